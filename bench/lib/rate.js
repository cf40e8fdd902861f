/**
 * One paced run measured at the server: the CLI in a child process against a simulator in
 * this process, for a fixed window from the first request. Only 127.0.0.1 is ever contacted.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator} from '../../dist/index.js';
import {CLI} from './paths.js';

/** Prompts of a few words each, varied so the simulator's seeded replies vary. */
export function writePrompts(dir, count, words = 8) {
	const topics = ['rate limits', 'token buckets', 'retries', 'latency', 'queues', 'batches', 'streams', 'backoff'];
	const lines = [];
	for (let i = 0; i < count; i++) {
		const topic = topics[i % topics.length];
		lines.push(`Prompt ${i}: say something short about ${topic}${' and more'.repeat(Math.max(0, words - 8))}.`);
	}
	const file = join(dir, 'prompts.txt');
	writeFileSync(file, lines.join('\n') + '\n');
	return file;
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
/** A wait raced against an exit: unref'd, so a child that exits in time leaves no timer holding the bench open. */
const grace = ms => new Promise(resolve => setTimeout(resolve, ms).unref());

function sums(stats) {
	let admitted = 0;
	for (const second of stats.perSecond) admitted += second.admitted;
	return {admitted, requests: stats.requests, rateLimited: stats.rateLimited, tokens: stats.tokensIn + stats.tokensOut};
}

/**
 * Run `pacer run` (headless) against a simulator for `durationMs` after its first request.
 * `client(file, baseURL)`, when given, is the node argv of another client to measure instead.
 * @returns achieved requests/min and tokens/min over the window, and the 429 share.
 */
export async function measureRate({sim, args = [], durationMs, prompts, words, client}) {
	const dir = mkdtempSync(join(tmpdir(), 'pacer-bench-'));
	const simulator = await startSimulator({profile: 'calm', seed: 11, ...sim});
	try {
		const file = writePrompts(dir, prompts, words);
		const child = spawn(
			process.execPath,
			client ? client(file, simulator.url) : [CLI, 'run', file, '--no-tui', '--json', '--out', join(dir, 'out.jsonl'), '--base-url', simulator.url, ...args],
			{env: {...process.env, OPENAI_API_KEY: 'sk-bench-local', OPENAI_BASE_URL: ''}, stdio: ['ignore', 'pipe', 'pipe']},
		);
		let stderr = '';
		child.stderr.on('data', d => (stderr += d));
		child.stdout.resume();
		const exited = new Promise(resolve => child.on('exit', code => resolve(code)));
		let start = null;
		const deadline = Date.now() + durationMs + 30_000;
		while (Date.now() < deadline) {
			const stats = simulator.stats();
			if (stats.requests > 0) {
				start = {at: Date.now(), ...sums(stats)};
				break;
			}
			await sleep(20);
		}
		if (!start) throw new Error(`no request reached the simulator: ${stderr}`);
		await sleep(durationMs - (Date.now() - start.at));
		const end = {at: Date.now(), ...sums(simulator.stats())};
		child.kill('SIGINT');
		const code = await Promise.race([exited, grace(5000).then(() => 'timeout')]);
		if (code === 'timeout') child.kill('SIGKILL');
		const minutes = (end.at - start.at) / 60_000;
		const requests = end.requests - start.requests;
		return {
			rpm: (end.admitted - start.admitted) / minutes,
			tpm: (end.tokens - start.tokens) / minutes,
			requests,
			rateLimited: end.rateLimited - start.rateLimited,
			share429: requests > 0 ? (end.rateLimited - start.rateLimited) / requests : 0,
			seconds: (end.at - start.at) / 1000,
		};
	} finally {
		await simulator.close();
		rmSync(dir, {recursive: true, force: true});
	}
}
