/**
 * The engine end to end through the real openai SDK against the simulator on loopback:
 * each error kind is retried or not as DESIGN.md's table says.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type {EngineEvent} from '../../src/core/engine.js';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {formatSummary} from '../../src/headless.js';
import {runBatch, type RunOptions} from '../../src/runBatch.js';
import type {FaultRates} from '../../src/sim/types.js';
import {engineTicks} from '../helpers/terminal.js';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-engine-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const jobs = (n: number, prefix = 'p'): JobSpec[] =>
	Array.from({length: n}, (_, i) => ({id: `${prefix}${i + 1}`, line: i + 1, input: `question number ${i + 1}`, text: `question number ${i + 1}`}));

async function run(
	specs: JobSpec[],
	faults: Partial<FaultRates>,
	options: Partial<RunOptions> & {sim?: Record<string, unknown>} = {},
): Promise<{records: ResultRecord[]; events: EngineEvent[]; summary: Awaited<ReturnType<typeof runBatch>>['summary']}> {
	const out = path.join(dir, 'out.jsonl');
	const events: EngineEvent[] = [];
	const {sim, ...rest} = options;
	const {summary} = await runBatch(specs, {
		out,
		concurrency: 4,
		maxRetries: 2,
		backoffBaseMs: 5,
		backoffMaxMs: 20,
		endpoint: {kind: 'sim', profile: 'calm', seed: 3, options: {latencyScale: 0, faults, ...sim}},
		onEvent: event => events.push(event),
		...rest,
	});
	const records = fs
		.readFileSync(out, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as ResultRecord);
	return {records, events, summary};
}

describe('engine against the simulator', () => {
	test('a calm run: every prompt succeeds once, with output, usage and a request id', async () => {
		const {records, summary} = await run(jobs(12), {});
		expect(records.map(r => r.id)).toEqual(jobs(12).map(j => j.id));
		for (const r of records) {
			expect(r.status).toBe('succeeded');
			expect(r.output).toBeTruthy();
			expect(r.usage!.input_tokens).toBeGreaterThan(0);
			expect(r.request_id).toMatch(/^req_/);
			expect(r.attempts).toBe(1);
		}
		expect(summary).toMatchObject({succeeded: 12, failed: 0, retries: 0});
	});

	test.each<[keyof FaultRates, string]>([
		['server500', 'server'],
		['badGateway502', 'server'],
		['overloaded503', 'server'],
		['gatewayTimeout504', 'server'],
		['reset', 'connection'],
		['cut', 'connection'],
		['streamError', 'server'],
	])('%s is retried as %s up to --max-retries, then fails', async (fault, kind) => {
		const {records, events} = await run(jobs(2), {[fault]: 1});
		for (const r of records) {
			expect(r.status).toBe('failed');
			expect(r.error!.kind).toBe(kind);
			expect(r.attempts).toBe(3);
		}
		expect(events.filter(e => e.type === 'retry')).toHaveLength(4);
	});

	test('a stalled stream is cut by the idle timeout and retried as timeout', async () => {
		const {records} = await run(jobs(1), {stall: 1}, {idleTimeoutMs: 150, maxRetries: 1});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 2, error: {kind: 'timeout'}});
	});

	test('the whole-attempt timeout ends a slow reply and retries it', async () => {
		const {records} = await run(jobs(1), {}, {timeoutMs: 200, maxRetries: 1, sim: {latencyScale: 50}});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 2, error: {kind: 'timeout'}});
	});

	test('a permanent 400 is not retried', async () => {
		const {records, events} = await run(jobs(3), {badRequest: 1});
		for (const r of records) expect(r).toMatchObject({status: 'failed', attempts: 1, error: {kind: 'bad_request', status: 400}});
		expect(events.filter(e => e.type === 'retry')).toHaveLength(0);
	});

	test('429 rate limits are retried after the server delay, and slow the run', async () => {
		const {records, events, summary} = await run(jobs(2), {rateLimit: 1}, {maxRetries: 1});
		const retries = events.filter((e): e is Extract<EngineEvent, {type: 'retry'}> => e.type === 'retry');
		expect(retries.length).toBe(2);
		for (const retry of retries) {
			expect(retry.error.kind).toBe('rate_limit');
			expect(retry.error.retryAfterMs).not.toBeNull();
			expect(retry.waitMs).toBeGreaterThanOrEqual(retry.error.retryAfterMs!);
		}
		expect(summary.rateLimited).toBe(4);
		for (const r of records) expect(r.error!.kind).toBe('rate_limit');
	});

	test('quota stops the whole run: nothing else is sent, the rest are skipped with the reason; the CLI adds the advice', async () => {
		const {records, summary} = await run(jobs(20), {quota: 1}, {concurrency: 1});
		expect(records).toHaveLength(20);
		expect(records[0]).toMatchObject({status: 'failed', attempts: 1, error: {kind: 'quota', status: 429}});
		const skipped = records.filter(r => r.status === 'skipped');
		expect(skipped.length).toBeGreaterThanOrEqual(18);
		expect(skipped[0]!.error!.message).toBe('not sent: quota exhausted (insufficient_quota)');
		expect(summary).toMatchObject({stopReason: 'quota exhausted (insufficient_quota)', stopKind: 'quota'});
		// Core's words carry no flags; the CLI's summary says what to do.
		expect(skipped[0]!.error!.message).not.toMatch(/--/);
		expect(formatSummary(summary, {outPath: null, alreadyDone: 0})).toMatch(/stopped: quota exhausted \(insufficient_quota\): add credit or raise the spend limit, then run again with --resume/);
	});

	test('a bad key (401) stops the run', async () => {
		const {records} = await run(jobs(6), {}, {concurrency: 1, sim: {apiKey: ['sk', 'the-right-key-000000'].join('-')}});
		expect(records[0]).toMatchObject({status: 'failed', error: {kind: 'auth', status: 401}});
		expect(records.filter(r => r.status === 'skipped').length).toBe(5);
		expect(JSON.stringify(records)).not.toContain('sk-sim-local-key');
	});

	test('an unknown model (404) stops the run', async () => {
		const {records} = await run(jobs(4), {}, {concurrency: 1, model: 'no-such-model'});
		expect(records[0]).toMatchObject({status: 'failed', error: {kind: 'not_found', status: 404, code: 'model_not_found'}});
		expect(records.filter(r => r.status === 'skipped').length).toBe(3);
	});

	test('one request over the whole TPM limit is too_large and not retried', async () => {
		const {records} = await run(jobs(1), {}, {maxOutputTokens: 4000, sim: {tpm: 2000}});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 1, error: {kind: 'too_large', status: 429}});
	});

	test('an input over the context window is context_length and not retried', async () => {
		const {records} = await run(jobs(1), {}, {sim: {contextWindow: 5}});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 1, error: {kind: 'context_length', status: 400}});
	});

	test('a reply cut at max_output_tokens succeeds, marked truncated', async () => {
		const {records, summary} = await run(jobs(3), {}, {maxOutputTokens: 16});
		const cut = records.filter(r => r.truncated);
		expect(cut.length).toBeGreaterThan(0);
		for (const r of cut) {
			expect(r.status).toBe('succeeded');
			expect(r.usage!.output_tokens).toBe(16);
		}
		expect(summary.truncated).toBe(cut.length);
	});

	test('chaos: every prompt ends in the file exactly once', {timeout: 40_000}, async () => {
		const specs = jobs(150);
		const {records} = await run(specs, {}, {concurrency: 16, maxRetries: 6, idleTimeoutMs: 300, endpoint: {kind: 'sim', profile: 'chaos', seed: 11, options: {latencyScale: 0, rpm: 10_000_000, tpm: 10_000_000_000}}});
		expect(records.map(r => r.id).sort()).toEqual(specs.map(s => s.id).sort());
		expect(new Set(records.map(r => r.id)).size).toBe(150);
		// Chaos faults are transient except the rare permanent 400.
		for (const r of records.filter(r => r.status === 'failed')) expect(r.error!.kind).toBe('bad_request');
	});
});

test('paused before it starts: the run says paused and sends nothing until resumed', async () => {
	const {prepareRun} = await import('../../src/runBatch.js');
	const run = await prepareRun(jobs(3), {endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale: 0}}});
	let paused = true;
	let sentWhilePaused = 0;
	run.store.subscribe(state => {
		if (paused && state.counts.running > 0) sentWhilePaused++;
	});
	run.runner.pause();
	const done = run.runner.run();
	expect(run.store.getState().run.phase).toBe('paused');
	// Unpaused, the first request would be on its way before the engine's first tick.
	await engineTicks(run.store);
	expect(run.store.getState().run.phase).toBe('paused');
	expect(sentWhilePaused).toBe(0);
	expect(run.simulator!.stats().requests).toBe(0);
	paused = false;
	run.runner.resume();
	await done;
	expect(run.store.getState().counts.succeeded).toBe(3);
	await run.finish();
});

test('a queued job cancelled and retried before it ran is sent once, not twice', async () => {
	const {prepareRun} = await import('../../src/runBatch.js');
	const run = await prepareRun(jobs(6), {concurrency: 1, endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale: 0.2}}});
	const done = run.runner.run();
	run.runner.cancel('p4');
	expect(run.runner.retry('p4')).toBe(true);
	await done;
	const p4 = run.store.getState().jobs.get('p4')!;
	expect(p4).toMatchObject({status: 'succeeded', attempts: 1});
	expect(run.simulator!.stats().requests).toBe(6);
	await run.finish();
});

test('100,000 jobs: each sent once, all succeed (the speed is a bench figure)', {timeout: 60_000}, async () => {
	const {Engine} = await import('../../src/core/engine.js');
	const many = jobs(100_000);
	let calls = 0;
	const client = {
		attempt: async () => {
			calls++;
			return {text: 'ok', usage: {input_tokens: 1, output_tokens: 1, total_tokens: 2}, truncated: false, status: 'completed' as const, incompleteReason: null, requestId: null, model: null, rateLimits: {}, api: 'responses' as const};
		},
	};
	const engine = new Engine(many, {client, concurrency: 8, countInputTokens: () => 1});
	await engine.run();
	expect(calls).toBe(100_000);
	expect(engine.summary().succeeded).toBe(100_000);
	engine.close();
});

describe('--max-retry-wait', () => {
	test('a retry that would wait past it fails the job, saying so, instead of waiting', async () => {
		const events: EngineEvent[] = [];
		const {summary, store} = await runBatch(jobs(1), {
			maxRetries: 4,
			backoffBaseMs: 400,
			backoffMaxMs: 400,
			maxRetryWaitMs: 100,
			endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale: 0, faults: {server500: 1}}},
			onEvent: event => events.push(event),
		});
		expect(summary.failed).toBe(1);
		const job = store.getState().jobs.get('p1')!;
		expect(job.attempts).toBe(1);
		expect(job.error!.message).toMatch(/the next retry would wait 0\.\ds, past the most a prompt may wait across its retries, 0\.1s/);
		expect(events.filter(e => e.type === 'retry')).toHaveLength(0);
	});
});
