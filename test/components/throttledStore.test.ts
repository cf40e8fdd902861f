import {expect, test} from 'vitest';
import {throttleStore} from '../../src/components/throttledStore.js';
import {createRunStore} from '../../src/store/runStore.js';
import {delay, prompts, waitUntil} from '../helpers/terminal.js';

test('thousands of store changes reach listeners at most once per interval, the latest state last', async () => {
	const store = createRunStore();
	store.getState().addJobs(prompts(1000), {model: 'm'});
	const intervalMs = 50;
	const view = throttleStore(store, intervalMs);
	const published: number[] = [];
	view.subscribe(() => published.push(performance.now()));
	const rounds = 40;
	for (let round = 0, updates = 0; round < rounds; round++) {
		for (let i = 0; i < 100; i++, updates++) store.getState().appendOutput(`line-${(updates % 1000) + 1}`, 'x', 1);
		await delay(1);
	}
	// The last change is passed on at the end of its interval.
	await waitUntil(() => view.getState().version === store.getState().version, 'the latest state to reach the view');
	// The first change at once, the rest folded: at most one publication per round of 100.
	expect(published.length).toBeGreaterThan(1);
	expect(published.length).toBeLessThanOrEqual(rounds + 1);
	// However slow or fast the machine, two publications are never closer than the interval
	// (a timer may fire a millisecond early by the performance clock).
	for (let i = 1; i < published.length; i++) expect(published[i]! - published[i - 1]!).toBeGreaterThanOrEqual(intervalMs - 1);
	view.dispose();
});

test('flush passes a pending change on at once; nothing pending, nothing sent', async () => {
	const store = createRunStore();
	const view = throttleStore(store, 1000);
	let calls = 0;
	view.subscribe(() => calls++);
	store.getState().setRun({phase: 'running'});
	expect(calls).toBe(1);
	store.getState().setRun({phase: 'paused'});
	expect(view.getState().run.phase).toBe('running');
	view.flush();
	expect(calls).toBe(2);
	expect(view.getState().run.phase).toBe('paused');
	view.flush();
	expect(calls).toBe(2);
	view.dispose();
});

test('a dear frame spaces the next ones out: drawing takes at most a quarter of the thread; flush is not held back', async () => {
	const store = createRunStore();
	store.getState().addJobs(prompts(10), {model: 'm'});
	const intervalMs = 10;
	const frameMs = 30;
	const view = throttleStore(store, intervalMs);
	const published: number[] = [];
	view.subscribe(() => {
		published.push(performance.now());
		// A frame that costs 30 ms of the thread.
		const until = performance.now() + frameMs;
		while (performance.now() < until) {}
	});
	const started = performance.now();
	while (performance.now() - started < 1000) {
		store.getState().appendOutput('line-1', 'x', 1);
		await delay(2);
	}
	expect(published.length).toBeGreaterThan(1);
	// Every frame after the first waits at least four times what the one before it cost.
	for (let i = 1; i < published.length; i++) expect(published[i]! - published[i - 1]!).toBeGreaterThanOrEqual(frameMs * 4 - 1);
	const count = published.length;
	store.getState().appendOutput('line-1', 'x', 1);
	view.flush();
	expect(published.length).toBe(count + 1);
	view.dispose();
});
