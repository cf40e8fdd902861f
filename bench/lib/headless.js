/**
 * Headless memory: `pacer run --no-tui` on a batch of N prompts at zero latency in a child
 * process, its peak RSS read at exit by rss-preload.js. One harness for every size (10k,
 * 100k, 1M), so the rows compare like with like: the same simulator, options and reply
 * lengths (the calm profile's 12-256 tokens), only the batch grows.
 */
import {createReadStream, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {startSimulator} from '../../dist/index.js';
import {runNode} from './child.js';
import {CLI} from './paths.js';
import {answered, startProgress} from './progress.js';
import {writePrompts} from './rate.js';

const RSS_PRELOAD = new URL('./rss-preload.js', import.meta.url).pathname;
const CONCURRENCY = 64;

/**
 * Every id of the results file, read line by line: a million results with their replies
 * are over a gigabyte, past what one string may hold.
 */
async function countResults(file) {
	const ids = new Set();
	let lines = 0;
	for await (const line of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
		if (!line) continue;
		lines++;
		ids.add(JSON.parse(line).id);
	}
	return {lines, unique: ids.size};
}

/**
 * One headless run of `count` prompts. Resolves with its peak RSS, seconds, rate and the
 * results file's lost and duplicated prompts; or, when it ran past `timeoutMs`, with
 * `timedOut` and how far it got.
 */
export async function headlessRun({count, label, log, timeoutMs}) {
	const sim = await startSimulator({profile: 'calm', seed: 5, rpm: Infinity, tpm: Infinity, latencyScale: 0});
	const dir = mkdtempSync(join(tmpdir(), 'pacer-headless-'));
	const stop = startProgress({label, log, read: () => ({done: answered(sim), total: count})});
	try {
		const file = writePrompts(dir, count);
		const rssFile = join(dir, 'rss.json');
		const out = join(dir, 'out.jsonl');
		const r = await runNode(
			['--import', RSS_PRELOAD, CLI, 'run', file, '--no-tui', '--json', '--concurrency', String(CONCURRENCY), '--out', out, '--base-url', sim.url],
			{env: {OPENAI_API_KEY: 'sk-bench-local', OPENAI_BASE_URL: '', PACER_BENCH_RSS_FILE: rssFile}, timeoutMs},
		);
		const seconds = r.ms / 1000;
		const done = answered(sim);
		if (r.timedOut) return {timedOut: true, count, done, seconds, rate: done / seconds};
		if (r.code !== 0) throw new Error(`${label}: pacer run exited ${r.code}: ${r.stderr.slice(-800)}`);
		const {maxRssMb} = JSON.parse(readFileSync(rssFile, 'utf8'));
		const {lines, unique} = await countResults(out);
		return {timedOut: false, count, done, seconds, rate: count / seconds, maxRssMb, lost: count - unique, duplicated: lines - unique};
	} finally {
		stop();
		await sim.close();
		rmSync(dir, {recursive: true, force: true});
	}
}

/** What a headless run's note says: its size, time, rate and results file. */
export function describeRun(run) {
	return `${run.count.toLocaleString('en-US')} prompts in ${run.seconds.toFixed(0)} s (${run.rate.toFixed(0)}/s), peak RSS ${run.maxRssMb.toFixed(0)} MB, ${run.lost} lost, ${run.duplicated} duplicated`;
}

export const HEADLESS_HOW = `pacer run --no-tui --concurrency ${CONCURRENCY} in a child process against a simulator at zero latency with no limits (calm replies, 12-256 tokens); peak RSS from process.resourceUsage().maxRSS at exit`;
