/**
 * The engine keeps its own books: a run with no store at all (the silent sink) writes the
 * same results file and the same summary as a run the dashboard's store listens to.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {Engine, type RunSummary} from '../../src/core/engine.js';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import {ResultsWriter} from '../../src/core/resultsWriter.js';
import type {RunSink} from '../../src/core/runSink.js';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {createRunStore} from '../../src/store/runStore.js';
import {storeSink} from '../../src/store/storeSink.js';

let dir: string;
let sims: Simulator[] = [];
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-sink-'));
});
afterEach(async () => {
	await Promise.all(sims.map(sim => sim.close()));
	sims = [];
	fs.rmSync(dir, {recursive: true, force: true});
});

const jobs = (n: number): JobSpec[] =>
	Array.from({length: n}, (_, i) => ({id: `p${i + 1}`, line: i + 1, input: `prompt ${i + 1}`, text: `prompt ${i + 1}`}));

/** A flaky run (429s, 500s, broken streams, 400s, seeded) into its own results file. */
async function runOnce(name: string, sink: RunSink | undefined): Promise<{records: ResultRecord[]; summary: RunSummary}> {
	const sim = await startSimulator({profile: 'flaky', seed: 11, latencyScale: 0});
	sims.push(sim);
	const out = path.join(dir, `${name}.jsonl`);
	const engine = new Engine(jobs(60), {
		client: new ResponsesClient({apiKey: 'sk-sink-test', baseURL: sim.url}),
		// One at a time: the simulator's seeded faults then meet the same attempts in the same order.
		concurrency: 1,
		backoff: {baseMs: 1, maxMs: 2, jitter: 'none'},
		writer: new ResultsWriter(out),
		costOf: usage => usage.total_tokens / 1e6,
		...(sink ? {sink} : {}),
	});
	await engine.run();
	const summary = engine.close();
	const records = fs
		.readFileSync(out, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as ResultRecord);
	return {records, summary};
}

/** What does not depend on the machine: no times, no request ids. */
const facts = (r: ResultRecord) => ({id: r.id, status: r.status, output: r.output, attempts: r.attempts, usage: r.usage, error: r.error, truncated: r.truncated});
const sums = ({wallMs: _wall, ...rest}: RunSummary) => rest;

test('a run with no store writes the same results file and summary as one the store listens to', async () => {
	const store = createRunStore();
	const heard = await runOnce('with-store', storeSink(store));
	const alone = await runOnce('no-store', undefined);

	expect(alone.records).toHaveLength(60);
	expect(alone.records.map(facts)).toEqual(heard.records.map(facts));
	expect(sums(alone.summary)).toEqual(sums(heard.summary));
	// The flaky profile was really met: retries happened and some prompts failed for good.
	expect(alone.summary.retries).toBeGreaterThan(0);
	expect(alone.summary.succeeded).toBeGreaterThan(0);
	// And the store, only listening, agrees with the engine's books.
	const state = store.getState();
	expect(state.counts).toMatchObject({succeeded: heard.summary.succeeded, failed: heard.summary.failed, queued: 0, running: 0, waiting: 0});
	expect(state.totals).toMatchObject({attempts: heard.summary.attempts, retries: heard.summary.retries, tokensIn: heard.summary.tokensIn, tokensOut: heard.summary.tokensOut});
});
