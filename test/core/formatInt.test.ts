/** formatInt groups digits itself (no ICU on the dashboard's first frame): the same text as toLocaleString('en-US'). */
import fc from 'fast-check';
import {expect, test} from 'vitest';
import {formatInt} from '../../src/core/format.js';

const icu = (n: number) => Math.round(n).toLocaleString('en-US');

test('any number, as toLocaleString writes it rounded', () => {
	fc.assert(
		fc.property(fc.oneof(fc.integer({min: -1e12, max: 1e12}), fc.maxSafeInteger(), fc.double({noNaN: false}), fc.double({min: -1e6, max: 1e6})), n => {
			expect(formatInt(n)).toBe(icu(n));
		}),
		{numRuns: 5000},
	);
});

test('the edges: group boundaries, the sign, -0, beyond the safe integers, NaN and infinities', () => {
	const edges = [0, -0, -0.4, 0.5, -0.5, 1, 12, 123, 999, 1000, -1000, 9999.5, 99_999, 100_000, 999_999, 1_000_000, -1_234_567, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, -1e21, NaN, Infinity, -Infinity];
	for (const n of edges) expect(formatInt(n), String(n)).toBe(icu(n));
});
