import {describe, expect, it} from 'vitest';
import {median, percentile} from '../../bench/lib/stats.js';

describe('bench percentile (nearest rank)', () => {
	it('p95 of 60 samples is the 57th smallest: three may be slower', () => {
		const samples = Array.from({length: 60}, (_, i) => 60 - i);
		expect(percentile(samples, 95)).toBe(57);
	});

	it('p95 of 40 samples is the 38th smallest, whatever their order', () => {
		const samples = Array.from({length: 40}, (_, i) => ((i * 17) % 40) + 1);
		expect(percentile(samples, 95)).toBe(38);
	});

	it('p100 is the largest and one sample is every percentile', () => {
		expect(percentile([3, 9, 1], 100)).toBe(9);
		expect(percentile([42], 1)).toBe(42);
	});

	it('does not reorder the samples it is given', () => {
		const samples = [5, 1, 3];
		percentile(samples, 50);
		expect(samples).toEqual([5, 1, 3]);
	});

	it('refuses no samples and a percentile out of range', () => {
		expect(() => percentile([], 95)).toThrow(/no samples/);
		expect(() => percentile([1], 0)).toThrow(RangeError);
		expect(() => percentile([1], 101)).toThrow(RangeError);
	});
});

describe('bench median', () => {
	it('is the middle sample, or the higher of the two middle ones', () => {
		expect(median([9, 1, 5])).toBe(5);
		expect(median([4, 1, 3, 2])).toBe(3);
	});
});
