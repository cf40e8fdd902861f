import {describe, expect, test} from 'vitest';
import {parseDuration, parseRateLimitHeaders, retryAfterFromHeaders} from '../../src/core/headers.js';
import {tryAgainInMs} from '../../src/core/errors.js';

const from = (h: Record<string, string>) => (name: string) => h[name] ?? null;

describe('parseDuration', () => {
	test.each([
		['120ms', 120],
		['1s', 1000],
		['8.64s', 8640],
		['6m0s', 360_000],
		['1m30s', 90_000],
		['23h55m16.126s', 86_116_126],
		['20', 20_000],
	])('%s -> %d ms', (text, ms) => expect(parseDuration(text)).toBeCloseTo(ms, 3));

	test('rubbish is null, not zero', () => {
		expect(parseDuration('soon')).toBeNull();
		expect(parseDuration('')).toBeNull();
		expect(parseDuration('5 parsecs')).toBeNull();
	});
});

describe('retryAfterFromHeaders', () => {
	test('retry-after-ms before retry-after', () => {
		expect(retryAfterFromHeaders(from({'retry-after-ms': '1500', 'retry-after': '20'}))).toBe(1500);
		expect(retryAfterFromHeaders(from({'retry-after': '20'}))).toBe(20_000);
	});

	test('an HTTP date counts from now, and a past one is no wait', () => {
		const now = Date.parse('2026-11-28T10:00:00Z');
		expect(retryAfterFromHeaders(from({'retry-after': 'Sat, 28 Nov 2026 10:00:07 GMT'}), now)).toBe(7000);
		expect(retryAfterFromHeaders(from({'retry-after': 'Sat, 28 Nov 2026 09:00:00 GMT'}), now)).toBe(0);
	});

	test('missing or unreadable is null', () => {
		expect(retryAfterFromHeaders(from({}))).toBeNull();
		expect(retryAfterFromHeaders(from({'retry-after': 'later'}))).toBeNull();
	});

	test('"try again in" of a rate-limit message', () => {
		expect(tryAgainInMs('... Requested 385. Please try again in 644ms. Visit ...')).toBe(644);
		expect(tryAgainInMs('Please try again in 1m30s.')).toBe(90_000);
		expect(tryAgainInMs('no hint here')).toBeNull();
	});
});

test('parseRateLimitHeaders reads what is there and leaves out the rest', () => {
	expect(
		parseRateLimitHeaders(
			from({
				'x-ratelimit-limit-requests': '500',
				'x-ratelimit-remaining-tokens': '29962',
				'x-ratelimit-reset-tokens': '76ms',
				'x-ratelimit-limit-tokens': 'lots',
			}),
		),
	).toEqual({limitRequests: 500, remainingTokens: 29_962, resetTokensMs: 76});
});
