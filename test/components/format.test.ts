import {expect, test} from 'vitest';
import {formatCompact, formatElapsedClock, formatSeconds, wrapLines} from '../../src/components/format.js';
import {followOffset} from '../../src/components/useSelection.js';

test('compact numbers', () => {
	expect([950, 1800, 12_345, 500_000, 999_999, 4_560_000].map(formatCompact)).toEqual(['950', '1.8k', '12.3k', '500k', '1M', '4.56M']);
});

test('durations and the elapsed clock', () => {
	expect([400, 12_345, 125_000, 3_720_000].map(formatSeconds)).toEqual(['0.4s', '12.3s', '2m05s', '1h02m']);
	expect([7_000, 754_000, 3_723_000].map(formatElapsedClock)).toEqual(['00:07', '12:34', '1:02:03']);
});

test('wrapLines wraps words, breaks long ones, keeps paragraphs and drops control characters', () => {
	expect(wrapLines('one two three four', 9)).toEqual(['one two', 'three', 'four']);
	expect(wrapLines('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
	expect(wrapLines('a\nb\x1b[31m', 10)).toEqual(['a', 'b[31m']);
});

test('the view scrolls only as far as needed to keep the selection visible', () => {
	expect(followOffset(0, 5, 10, 100)).toBe(0);
	expect(followOffset(0, 12, 10, 100)).toBe(3);
	expect(followOffset(20, 15, 10, 100)).toBe(15);
	expect(followOffset(95, 99, 10, 100)).toBe(90);
	expect(followOffset(50, 3, 10, 5)).toBe(0);
});
