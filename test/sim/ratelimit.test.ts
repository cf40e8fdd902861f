import {describe, expect, it} from 'vitest';
import {formatGoDuration} from '../../src/sim/duration.js';
import {Bucket, RateLimiter} from '../../src/sim/ratelimit.js';

describe('Bucket', () => {
	it('refills continuously: 60 per minute is one a second, not 60 at the top of the minute', () => {
		const bucket = new Bucket(60, 1000);
		expect(bucket.waitFor(1, 0)).toBe(0);
		bucket.take(1, 0);
		expect(bucket.waitFor(1, 0)).toBeCloseTo(1000);
		expect(bucket.waitFor(1, 400)).toBeCloseTo(600);
		expect(bucket.waitFor(1, 1000)).toBe(0);
	});

	it('allows a burst of burstMs worth, then one per interval', () => {
		const bucket = new Bucket(600, 1000);
		for (let i = 0; i < 10; i++) {
			expect(bucket.waitFor(1, 0)).toBe(0);
			bucket.take(1, 0);
		}
		expect(bucket.waitFor(1, 0)).toBeCloseTo(100);
		expect(bucket.waitFor(1, 100)).toBe(0);
	});

	it('lets a single request larger than the burst through when empty', () => {
		const bucket = new Bucket(6000, 1000);
		expect(bucket.waitFor(500, 0)).toBe(0);
		bucket.take(500, 0);
		// Must drain fully first: 500 tokens at 100/s.
		expect(bucket.waitFor(500, 0)).toBeCloseTo(5000);
	});

	it('reports the minute view: remaining and time to full', () => {
		const bucket = new Bucket(500, 1000);
		bucket.take(1, 0);
		expect(bucket.remaining(0)).toBe(499);
		expect(formatGoDuration(bucket.resetMs(0))).toBe('120ms');
	});

	it('caps the debt of refused requests at one burst', () => {
		const bucket = new Bucket(60, 1000);
		for (let i = 0; i < 50; i++) bucket.takeRefused(1, 0);
		expect(bucket.waitFor(1, 0)).toBeCloseTo(2000);
	});
});

describe('RateLimiter', () => {
	it('counts a refused request against RPM when countRejected is on', () => {
		const on = new RateLimiter({rpm: 60, tpm: 1e9, burstMs: 1000, countRejected: true});
		const off = new RateLimiter({rpm: 60, tpm: 1e9, burstMs: 1000, countRejected: false});
		for (const limiter of [on, off]) {
			expect(limiter.admit(10, 0).ok).toBe(true);
		}
		const refusedOn = on.admit(10, 0);
		const refusedOff = off.admit(10, 0);
		expect(!refusedOn.ok && refusedOn.waitMs).toBeCloseTo(2000);
		expect(!refusedOff.ok && refusedOff.waitMs).toBeCloseTo(1000);
	});

	it('sends no headers for an unlimited dimension', () => {
		const limiter = new RateLimiter({rpm: Number.POSITIVE_INFINITY, tpm: 1000, burstMs: 1000, countRejected: true});
		expect(Object.keys(limiter.headers(0)).sort()).toEqual([
			'x-ratelimit-limit-tokens',
			'x-ratelimit-remaining-tokens',
			'x-ratelimit-reset-tokens',
		]);
	});
});

describe('formatGoDuration', () => {
	it.each([
		[0, '0s'],
		[120, '120ms'],
		[1000, '1s'],
		[8640, '8.64s'],
		[360_000, '6m0s'],
		[86_116_126, '23h55m16.126s'],
	])('%i ms -> %s', (ms, text) => {
		expect(formatGoDuration(ms)).toBe(text);
	});
});
