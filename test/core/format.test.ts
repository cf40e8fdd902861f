import {describe, expect, it} from 'vitest';
import {formatDuration, formatInt, formatSeconds, formatUsd} from '../../src/core/format.js';

describe('formatUsd: dollars the same in `pacer run`, `pacer count` and the dashboard', () => {
	it.each([
		[0, '$0.0000'],
		[0.0049, '$0.0049'],
		[0.0926, '$0.0926'],
		[0.99996, '$1.0000'],
		[1, '$1.00'],
		[1234.567, '$1234.57'],
	])('%d -> %s', (usd, text) => {
		expect(formatUsd(usd)).toBe(text);
	});

	it('an unknown cost is "unknown", never $0', () => {
		expect(formatUsd(null)).toBe('unknown');
	});
});

describe('formatInt', () => {
	it('rounds and groups thousands', () => {
		expect([0, 999.5, 1234.4, 1_000_000].map(formatInt)).toEqual(['0', '1,000', '1,234', '1,000,000']);
	});
});

describe('durations', () => {
	it('formatSeconds keeps a tenth under a minute, then minutes and hours', () => {
		expect([400, 12_345, 125_000, 3_720_000, -5].map(formatSeconds)).toEqual(['0.4s', '12.3s', '2m05s', '1h02m', '0.0s']);
	});

	it('formatDuration reads like the setting it names', () => {
		expect([644, 1500, 60_000, 20_000].map(formatDuration)).toEqual(['644ms', '1.5s', '60s', '20s']);
	});
});
