import {expect, test} from 'vitest';
import {createRunStore} from '../../src/store/runStore.js';
import type {JobSpec} from '../../src/core/types.js';
import {PREVIEW_CHARS} from '../../src/store/preview.js';

const spec = (id: string): JobSpec => ({id, line: 1, input: id, text: id});

test('counters follow status changes incrementally', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a'), spec('b'), spec('c')], {model: 'm'});
	expect(store.getState().counts.queued).toBe(3);
	store.getState().updateJob('a', {status: 'running'});
	store.getState().updateJob('a', {status: 'succeeded'});
	store.getState().updateJob('b', {status: 'running'});
	expect(store.getState().counts).toMatchObject({queued: 1, running: 1, succeeded: 1});
});

test('a job reads back whole from its row: streamed text while it runs, the run totals left alone', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a'), spec('b')], {model: 'm'});
	const version = store.getState().version;
	store.getState().updateJob('a', {status: 'running', attempts: 1, startedAt: 1000});
	store.getState().appendOutput('a', 'hello', 2);
	const a = store.getState().jobs.get('a')!;
	expect(a).toMatchObject({id: 'a', status: 'running', attempts: 1, startedAt: 1000, output: 'hello', tokensOut: 2, model: 'm', outputWhole: true});
	expect(store.getState().jobs.get('b')).toMatchObject({status: 'queued', output: '', attempts: 0, startedAt: null});
	expect(store.getState().version).toBeGreaterThan(version);
	// The run's totals are its ledger's, set whole; appending to a job does not touch them.
	expect(store.getState().totals.tokensOut).toBe(0);
});

test('an ended job keeps the start of its reply and drops the rest; its one plain attempt is told by its row', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a')], {model: 'm'});
	store.getState().updateJob('a', {status: 'running', attempts: 1, startedAt: 1000});
	store.getState().appendOutput('a', 'x'.repeat(5000), 900);
	const attempt = {n: 1, startedAt: 1000, endedAt: 1400, outcome: 'succeeded' as const, error: null, waitMs: null};
	store.getState().updateJob('a', {status: 'succeeded', output: 'y'.repeat(5000), latencyMs: 400, finishedAt: 1400, requestId: 'req_1', history: [attempt]});
	const a = store.getState().jobs.get('a')!;
	expect(a.output).toBe('y'.repeat(PREVIEW_CHARS));
	expect(a.outputWhole).toBe(false);
	expect(a.requestId).toBeNull();
	expect(a.history).toEqual([attempt]);
	expect(store.getState().counts).toMatchObject({running: 0, succeeded: 1});
});

test('an ended job keeps what the server billed: the library reads usage from the store', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a'), spec('b')], {model: 'm'});
	store.getState().updateJob('a', {status: 'succeeded', attempts: 1, usage: {input_tokens: 12, output_tokens: 30, total_tokens: 42, reasoning_tokens: 8}});
	store.getState().updateJob('b', {status: 'failed', attempts: 1});
	expect(store.getState().jobs.get('a')!.usage).toEqual({input_tokens: 12, output_tokens: 30, total_tokens: 42, reasoning_tokens: 8});
	expect(store.getState().jobs.get('b')!.usage).toBeNull();
});

test('a retried job keeps its history and its error; a short reply is whole', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a')], {model: 'm'});
	const error = {kind: 'server' as const, status: 500, code: null, message: 'boom', retryable: true, retryAfterMs: null, requestId: null};
	const history = [
		{n: 1, startedAt: 10, endedAt: 20, outcome: 'failed' as const, error, waitMs: 50},
		{n: 2, startedAt: 70, endedAt: 90, outcome: 'succeeded' as const, error: null, waitMs: null},
	];
	store.getState().updateJob('a', {status: 'waiting', error, retryAt: 70, attempts: 1});
	expect(store.getState().jobs.get('a')).toMatchObject({status: 'waiting', retryAt: 70, error});
	store.getState().updateJob('a', {status: 'succeeded', error: null, output: 'ok', attempts: 2, history, latencyMs: 20, startedAt: 70});
	expect(store.getState().jobs.get('a')).toMatchObject({output: 'ok', outputWhole: true, error: null, history});
});

test('jobs may come in chunks; a job heard twice is counted once', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a'), spec('b')], {model: 'm'});
	const order = store.getState().order;
	store.getState().addJobs([spec('c')], {model: 'm'});
	store.getState().addViews([{...store.getState().jobs.get('a')!, status: 'succeeded'}]);
	expect(store.getState().total).toBe(3);
	expect(store.getState().order).toBe(order);
	expect([...order]).toEqual(['a', 'b', 'c']);
	expect(store.getState().counts).toMatchObject({queued: 2, succeeded: 1});
	expect(store.getState().jobs.longest).toEqual({line: 1, id: 2});
});

test('a prompt is kept as a short copy of its own, which the text filter searches', () => {
	const store = createRunStore();
	const long = `needle ${'z'.repeat(10_000)} tail`;
	store.getState().addJobs([{id: 'a', line: 1, input: long, text: long}, spec('b')], {model: 'm'});
	expect(store.getState().jobs.get('a')!.text).toHaveLength(PREVIEW_CHARS);
	expect(store.getState().jobs.matching('needle')).toEqual(['a']);
	expect(store.getState().jobs.matching('tail')).toEqual([]);
	expect(store.getState().jobs.withStatus(store.getState().order, 'queued')).toEqual(['a', 'b']);
});

test('an update copies neither the job table nor the order: 100,000 jobs cost no O(n) work per event', () => {
	const store = createRunStore();
	const specs = Array.from({length: 100_000}, (_, i) => spec(`j${i}`));
	store.getState().addJobs(specs, {model: 'm'});
	const {jobs, order} = store.getState();
	for (let i = 0; i < 100_000; i++) store.getState().updateJob(`j${i}`, {status: 'running'});
	store.getState().appendOutput('j0', 'x', 1);
	// The same Map and array throughout: each update touched one entry, not a copy of all.
	expect(store.getState().jobs).toBe(jobs);
	expect(store.getState().order).toBe(order);
	expect(store.getState().counts.running).toBe(100_000);
	expect(store.getState().counts.queued).toBe(0);
});
