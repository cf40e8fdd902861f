/** Order statistics of the bench's samples (keypress delays, start-up rounds). */

/**
 * The nearest-rank percentile: the smallest sample with at least `p` % of the samples at
 * or below it. With 60 presses, p95 is the 57th smallest: three presses may be slower.
 */
export function percentile(values, p) {
	if (values.length === 0) throw new RangeError('percentile of no samples');
	if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

/** The upper median (the middle sample, or the higher of the two middle ones). */
export const median = values => {
	if (values.length === 0) throw new RangeError('median of no samples');
	return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
};
