/**
 * Three pacer processes on one 600 RPM simulator: sharing the limit through one Redis
 * (`--redis`, one scope), or each on its own. Measured at the server over a fixed window
 * from the first request. The server sends no `x-ratelimit-*` headers: with them, each
 * process alone already holds back on `remaining`; without them only a shared budget can. Redis is a real `redis-server` on a free loopback port, no
 * persistence, stopped after.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator} from '../../dist/index.js';
import {CLI} from './paths.js';
import {writePrompts} from './rate.js';

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
/** A wait raced against an exit: unref'd, so a child that exits in time leaves no timer holding the bench open. */
const grace = ms => new Promise(resolve => setTimeout(resolve, ms).unref());

function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** A redis-server for the bench; throws when the Debian package is missing. */
export async function startBenchRedis() {
	const port = await freePort();
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: ['ignore', 'pipe', 'pipe']});
	let log = '';
	child.stdout.on('data', d => (log += d));
	const failed = new Promise((_, reject) => child.on('error', error => reject(new Error(`redis-server: ${error.message} (apt-get install redis-server)`))));
	const ready = (async () => {
		for (let i = 0; i < 500 && !log.includes('Ready to accept connections'); i++) await sleep(20);
		if (!log.includes('Ready to accept connections')) throw new Error(`redis-server did not start: ${log.slice(-300)}`);
	})();
	await Promise.race([ready, failed]);
	return {url: `redis://127.0.0.1:${port}`, close: () => new Promise(resolve => (child.exitCode != null ? resolve() : (child.once('exit', resolve), child.kill('SIGKILL'))))};
}

function sums(stats) {
	let admitted = 0;
	for (const second of stats.perSecond) admitted += second.admitted;
	return {admitted, requests: stats.requests, rateLimited: stats.rateLimited};
}

/** Three `pacer run --rpm LIMIT` processes, with or without one Redis; the combined rate at the server. */
export async function measureThree({limit, durationMs, prompts, redisUrl}) {
	const dir = mkdtempSync(join(tmpdir(), 'pacer-bench-shared-'));
	const simulator = await startSimulator({profile: 'calm', seed: 13, rpm: limit, tpm: Infinity, rateLimitHeaders: false});
	const children = [];
	try {
		for (let n = 0; n < 3; n++) {
			const file = writePrompts(mkdtempSync(join(dir, `p${n}-`)), prompts);
			const args = [CLI, 'run', file, '--no-tui', '--json', '--out', join(dir, `out-${n}.jsonl`), '--base-url', simulator.url, '--rpm', String(limit), ...(redisUrl ? ['--redis', redisUrl] : [])];
			const child = spawn(process.execPath, args, {env: {...process.env, OPENAI_API_KEY: 'sk-bench-local', OPENAI_BASE_URL: ''}, stdio: ['ignore', 'ignore', 'pipe']});
			child.stderr.resume();
			children.push({child, exited: new Promise(resolve => child.on('exit', code => resolve(code)))});
		}
		let start = null;
		const deadline = Date.now() + 30_000;
		while (Date.now() < deadline) {
			const stats = simulator.stats();
			if (stats.requests > 0) {
				start = {at: Date.now(), ...sums(stats)};
				break;
			}
			await sleep(20);
		}
		if (!start) throw new Error('no request reached the simulator');
		await sleep(durationMs - (Date.now() - start.at));
		const end = {at: Date.now(), ...sums(simulator.stats())};
		const minutes = (end.at - start.at) / 60_000;
		const requests = end.requests - start.requests;
		return {
			rpm: (end.admitted - start.admitted) / minutes,
			requests,
			rateLimited: end.rateLimited - start.rateLimited,
			share429: requests > 0 ? (end.rateLimited - start.rateLimited) / requests : 0,
			seconds: (end.at - start.at) / 1000,
		};
	} finally {
		for (const {child} of children) child.kill('SIGINT');
		await Promise.race([Promise.all(children.map(c => c.exited)), grace(6000)]);
		for (const {child} of children) if (child.exitCode == null) child.kill('SIGKILL');
		await simulator.close();
		rmSync(dir, {recursive: true, force: true});
	}
}
