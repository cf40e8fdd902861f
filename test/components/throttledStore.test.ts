import {expect, test} from 'vitest';
import {throttleStore} from '../../src/components/throttledStore.js';
import {createRunStore} from '../../src/store/runStore.js';
import {delay, prompts} from '../helpers/terminal.js';

test('thousands of store changes reach listeners at most once per interval, the latest state last', async () => {
	const store = createRunStore();
	store.getState().addJobs(prompts(1000), {model: 'm'});
	const view = throttleStore(store, 50);
	const seen: number[] = [];
	view.subscribe(state => seen.push(state.version));
	const start = performance.now();
	let updates = 0;
	while (performance.now() - start < 300) {
		for (let i = 0; i < 100; i++, updates++) store.getState().appendOutput(`line-${(updates % 1000) + 1}`, 'x', 1);
		await delay(1);
	}
	await delay(80);
	expect(updates).toBeGreaterThan(3000);
	// 300 ms at one per 50 ms, the first at once and the last at the end: about 7.
	expect(seen.length).toBeLessThanOrEqual(9);
	expect(seen.at(-1)).toBe(store.getState().version);
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
