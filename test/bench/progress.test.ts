import {describe, expect, it} from 'vitest';
import {answered, progressLine, startProgress} from '../../bench/lib/progress.js';
import {waitUntil} from '../helpers/wait.js';

describe('bench progress line', () => {
	it('says how many of how many, the seconds and the rate', () => {
		expect(progressLine({label: 'headless 100k', done: 23_456, total: 100_000, elapsedMs: 52_000})).toBe('headless 100k: 23,456 / 100,000 prompts, 52 s (451/s)');
	});

	it('leaves the rate out before anything is done and the total out when there is none', () => {
		expect(progressLine({label: 'dashboard', done: 0, total: 100_000, elapsedMs: 10_000})).toBe('dashboard: 0 / 100,000 prompts, 10 s');
		expect(progressLine({label: 'peer', done: 120, elapsedMs: 20_000, unit: 'requests'})).toBe('peer: 120 requests, 20 s (6/s)');
	});
});

describe('bench progress printer', () => {
	it('logs what read() returns until stopped', async () => {
		const lines: string[] = [];
		let done = 0;
		const stop = startProgress({label: 'run', log: line => lines.push(line), read: () => ({done: (done += 10), total: 100}), everyMs: 5});
		await waitUntil(() => lines.length >= 2, 'two progress lines', {timeoutMs: 5000});
		stop();
		const seen = lines.length;
		// It printed every 5 ms just before: six periods without a line show the timer gone.
		const after = lines.length + 1;
		await expect(waitUntil(() => lines.length >= after, 'a line after stop()', {timeoutMs: 30})).rejects.toThrow(/a line after stop/);
		expect(lines.length).toBe(seen);
		expect(lines[0]).toMatch(/^run: 10 \/ 100 prompts, \d+ s/);
	});

	it('counts a prompt answered when the simulator ended it, completed or cut off', () => {
		expect(answered({stats: () => ({completed: 7, incomplete: 2})})).toBe(9);
	});
});
