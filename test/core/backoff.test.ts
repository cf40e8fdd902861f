import {describe, expect, test} from 'vitest';
import {retryDelay} from '../../src/core/backoff.js';

describe('retryDelay', () => {
	test('exponential from the base, capped at the max', () => {
		const none = {baseMs: 1000, maxMs: 8000, jitter: 'none' as const};
		expect([0, 1, 2, 3, 4, 5].map(n => retryDelay(n, null, none))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
	});

	test('equal jitter stays within [d/2, d]', () => {
		for (let n = 0; n < 6; n++) {
			const d = Math.min(32_000, 1000 * 2 ** n);
			expect(retryDelay(n, null, {random: () => 0})).toBe(d / 2);
			expect(retryDelay(n, null, {random: () => 0.999_999})).toBeLessThanOrEqual(d);
		}
	});

	test('full jitter can go down to zero', () => {
		expect(retryDelay(3, null, {jitter: 'full', random: () => 0})).toBe(0);
		expect(retryDelay(3, null, {jitter: 'full', random: () => 0.5})).toBe(4000);
	});

	test('the server delay wins and is never shortened', () => {
		for (const r of [0, 0.3, 0.99]) {
			const wait = retryDelay(0, 20_000, {random: () => r, maxMs: 1000});
			expect(wait).toBeGreaterThanOrEqual(20_000);
			expect(wait).toBeLessThanOrEqual(21_000);
		}
		expect(retryDelay(5, 0, {random: () => 0})).toBe(0);
	});
});
