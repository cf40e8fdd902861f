import {expect, test} from 'vitest';
import type {RunControls} from '../../src/core/controls.js';
import {deferredControls, previewStore} from '../../src/components/previewRun.js';

/** Controls that write down what they were asked. */
function recording(): {controls: RunControls; calls: string[]} {
	const calls: string[] = [];
	const controls: RunControls = {
		supports: {jobs: true, pause: true, concurrency: true},
		cancel: id => void calls.push(`cancel ${id}`),
		retry: id => (calls.push(`retry ${id}`), true),
		retryAllFailed: () => (calls.push('retryAllFailed'), 2),
		pause: () => void calls.push('pause'),
		resume: () => void calls.push('resume'),
		setConcurrency: n => void calls.push(`concurrency ${n}`),
		stop: async options => void calls.push(`stop ${options?.abort ? 'abort' : 'finish'}`),
	};
	return {controls, calls};
}

test('what is asked before the run exists is done on it, in order, once it is attached; later calls go straight through', async () => {
	const deferred = deferredControls();
	const {controls, calls} = recording();
	deferred.pause();
	deferred.setConcurrency(3);
	deferred.cancel('line-2');
	// Nothing has failed yet: nothing to retry.
	expect(deferred.retry('line-2')).toBe(false);
	expect(deferred.retryAllFailed()).toBe(0);
	let stopped = false;
	const stop = deferred.stop({abort: true}).then(() => (stopped = true));
	await Promise.resolve();
	expect(stopped).toBe(false);
	expect(calls).toEqual([]);

	deferred.attach(controls);
	await stop;
	expect(calls).toEqual(['pause', 'concurrency 3', 'cancel line-2', 'stop abort']);
	deferred.resume();
	expect(deferred.retry('line-1')).toBe(true);
	expect(deferred.retryAllFailed()).toBe(2);
	expect(calls.slice(4)).toEqual(['resume', 'retry line-1', 'retryAllFailed']);
});

test('the preview holds every job queued, in input order, with the run settings the header shows', () => {
	const jobs = [1, 2, 3].map(n => ({id: `line-${n}`, line: n, text: `Prompt ${n}`, input: `Prompt ${n}`}));
	const state = previewStore({jobs, model: 'gpt-5.4-mini', endpoint: '127.0.0.1:8080', concurrency: 6}).getState();
	expect(state.order).toEqual(['line-1', 'line-2', 'line-3']);
	expect(state.counts.queued).toBe(3);
	expect([...state.jobs.values()].map(job => [job.status, job.model, job.tokensIn])).toEqual([
		['queued', 'gpt-5.4-mini', null],
		['queued', 'gpt-5.4-mini', null],
		['queued', 'gpt-5.4-mini', null],
	]);
	expect(state.run).toMatchObject({phase: 'running', model: 'gpt-5.4-mini', endpoint: '127.0.0.1:8080', startedAt: null});
	expect(state.rate).toMatchObject({concurrency: 6, concurrencyMode: 'fixed'});
});
