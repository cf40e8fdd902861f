/**
 * A run that keeps no job list (`keepJobs: false`, headless): jobs are read from their
 * stream as the queue needs them, a job that ended well is forgotten, and still every
 * prompt ends in the results file exactly once, in input order; resume skips what
 * succeeded. Through the real SDK against the simulator on loopback.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import type {Engine} from '../../src/core/engine.js';
import {openJobFile} from '../../src/core/jobFile.js';
import type {JobInput} from '../../src/core/jobStream.js';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {prepareRun, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {waitUntil} from '../helpers/wait.js';

let sim: Simulator;
let proxy: RecordingProxy;
let dir: string;

beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', seed: 4, latencyScale: 0, rpm: Infinity, tpm: Infinity});
	proxy = await startRecordingProxy(sim.url);
});
afterAll(async () => {
	await proxy?.close();
	await sim?.close();
});
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-lazy-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

/** `n` jobs made as they are asked for, counting how many were taken and how many of those are still running. */
function countedInput(n: number) {
	const seen = {passes: 0, taken: 0, ended: 0, mostAhead: 0};
	const input: JobInput = {
		total: n,
		*specs() {
			// The run's own pass is the first; later ones walk the ids (resume, the compaction).
			const counted = seen.passes++ === 0;
			for (let i = 1; i <= n; i++) {
				if (counted) {
					seen.taken++;
					seen.mostAhead = Math.max(seen.mostAhead, seen.taken - seen.ended);
				}
				const text = `question number ${i}`;
				yield {id: `q${i}`, line: i, input: text, text} satisfies JobSpec;
			}
		},
	};
	return {input, seen};
}

const records = (file: string): ResultRecord[] =>
	fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as ResultRecord);

const base = (out: string, extra: RunOptions = {}): RunOptions => ({
	out,
	keepJobs: false,
	concurrency: 8,
	// Short replies: the point is the jobs, not the streaming.
	maxOutputTokens: 16,
	endpoint: {kind: 'api', apiKey: 'sk-test-lazy-key', baseURL: proxy.url},
	...extra,
});

describe('a run that keeps no job list', {timeout: 120_000}, () => {
	test('reads jobs a few at a time, forgets those that ended, and writes each prompt once in input order', async () => {
		const out = path.join(dir, 'out.jsonl');
		const {input, seen} = countedInput(1200);
		const run = await prepareRun(input, {
			...base(out),
			onEvent: event => {
				if (event.type === 'finished') seen.ended++;
			},
		});
		// Nothing is read before the run starts.
		expect(seen.passes).toBe(0);
		const summary = await run.runner.run();
		await run.finish();
		expect(summary.total).toBe(1200);
		expect(summary.succeeded).toBe(1200);
		expect(seen.taken).toBe(1200);
		// The read-ahead is the queue's (64, or twice the ceiling) and what is in flight, not the batch.
		expect(seen.mostAhead).toBeLessThanOrEqual(64 + 8 + 1);
		expect((run.runner as Engine).heldMost).toBeLessThanOrEqual(64 + 8 + 1);
		expect(records(out).map(r => r.id)).toEqual(Array.from({length: 1200}, (_, i) => `q${i + 1}`));
	});

	test('a prompts file streams: checked first, read again as the run goes, compacted in its order', async () => {
		const file = path.join(dir, 'prompts.jsonl');
		const lines = Array.from({length: 500}, (_, i) => JSON.stringify({id: `row-${500 - i}`, prompt: `say ${i}`}));
		fs.writeFileSync(file, `${lines.slice(0, 250).join('\n')}\n\n${lines.slice(250).join('\n')}\n`);
		const out = path.join(dir, 'out.jsonl');
		const run = await prepareRun(openJobFile(file), base(out));
		const summary = await run.runner.run();
		await run.finish();
		expect(summary.succeeded).toBe(500);
		const written = records(out);
		expect(written.map(r => r.id)).toEqual(Array.from({length: 500}, (_, i) => `row-${500 - i}`));
		expect(written[250]!.line).toBe(252);
	});

	test('resume skips what succeeded, sends the rest once, and the file ends with every id once', async () => {
		const out = path.join(dir, 'out.jsonl');
		const first = countedInput(400);
		const run = await prepareRun(first.input, base(out, {concurrency: 2}));
		const running = run.runner.run();
		await waitUntil(() => run.runner.summary().succeeded >= 50 || null, 'at least 50 prompts to succeed');
		await run.runner.stop({reason: 'test stop'});
		await running;
		const stopped = await run.finish();
		expect(stopped.succeeded + stopped.skipped + stopped.failed + stopped.cancelled).toBe(400);
		// Every prompt has its record even when the stop came before it was read.
		const afterStop = records(out);
		expect(new Set(afterStop.map(r => r.id)).size).toBe(400);
		const succeeded = new Set(afterStop.filter(r => r.status === 'succeeded').map(r => r.id));
		expect(succeeded.size).toBe(stopped.succeeded);

		const sentBefore = proxy.seen.length;
		const again = countedInput(400);
		const resumed = await prepareRun(again.input, base(out, {resume: true}));
		expect(resumed.alreadyDone).toBe(succeeded.size);
		const summary = await resumed.runner.run();
		await resumed.finish();
		expect(summary.total).toBe(400 - succeeded.size);
		expect(summary.succeeded).toBe(400 - succeeded.size);
		const sentIds = proxy.seen.slice(sentBefore).map(request => JSON.stringify(request.body));
		for (const id of succeeded) expect(sentIds.some(body => body.includes(`"question number ${id.slice(1)}"`))).toBe(false);
		const final = records(out);
		expect(final.map(r => r.id)).toEqual(Array.from({length: 400}, (_, i) => `q${i + 1}`));
		expect(final.every(r => r.status === 'succeeded')).toBe(true);
	});
});
