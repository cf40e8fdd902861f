import {expect, test} from 'vitest';
import {createRunStore} from '../../src/store/runStore.js';
import type {JobSpec} from '../../src/core/types.js';

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

test('a changed job is a new object; an unchanged one keeps its identity', () => {
	const store = createRunStore();
	store.getState().addJobs([spec('a'), spec('b')], {model: 'm'});
	const a = store.getState().jobs.get('a');
	const b = store.getState().jobs.get('b');
	store.getState().appendOutput('a', 'hello', 2);
	expect(store.getState().jobs.get('a')).not.toBe(a);
	expect(store.getState().jobs.get('a')!.output).toBe('hello');
	expect(store.getState().jobs.get('b')).toBe(b);
	expect(store.getState().jobs.get('a')!.tokensOut).toBe(2);
	// The run's totals are its ledger's, set whole; appending to a job does not touch them.
	expect(store.getState().totals.tokensOut).toBe(0);
});

test('an update copies neither the job map nor the order: 100,000 jobs cost no O(n) work per event', () => {
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
