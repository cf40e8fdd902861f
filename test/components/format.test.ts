import {expect, test} from 'vitest';
import {formatCompact} from '../../src/components/format.js';

test('formatCompact keeps the zeros of whole numbers and drops only decimal ones', () => {
	expect([950, 1000, 1800, 5000, 10_000, 12_345, 500_000, 1_000_000, 4_560_000].map(formatCompact)).toEqual([
		'950',
		'1k',
		'1.8k',
		'5k',
		'10k',
		'12.3k',
		'500k',
		'1M',
		'4.56M',
	]);
});
