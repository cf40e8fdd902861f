import {describe, expect, test} from 'vitest';
import {ManualClock} from '../../src/core/clock.js';
import {RateLimiter} from '../../src/core/limiter.js';

/** Acquire `n` permits as fast as the limiter allows; returns each dispatch time. */
async function dispatchTimes(limiter: RateLimiter, clock: ManualClock, n: number, tokens = 1, stepMs = 10): Promise<number[]> {
	const times: number[] = [];
	const all = Array.from({length: n}, () => limiter.acquire(tokens).then(() => times.push(clock.now())));
	let settled = false;
	void Promise.all(all).then(() => (settled = true));
	for (let i = 0; i < 100_000 && !settled; i++) await clock.advance(stepMs);
	return times;
}

describe('RateLimiter', () => {
	test('600 RPM is one request every 100 ms, never a burst at the top of the minute', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		const times = await dispatchTimes(limiter, clock, 50);
		const gaps = times.slice(2).map((t, i) => t - times[i + 1]!);
		for (const gap of gaps) {
			expect(gap).toBeGreaterThanOrEqual(90);
			expect(gap).toBeLessThanOrEqual(110);
		}
		// 50 requests take about 5 s, not 0.
		expect(times.at(-1)! - times[0]!).toBeGreaterThan(4500);
	});

	test('tokens per minute bind when requests are large', async () => {
		const clock = new ManualClock(0);
		// 60k TPM = 1000 tokens/s; each request charges 500: two a second.
		const limiter = new RateLimiter({rpm: 10_000, tpm: 60_000, clock});
		const times = await dispatchTimes(limiter, clock, 11, 500);
		const span = times.at(-1)! - times[0]!;
		expect(span).toBeGreaterThanOrEqual(4500);
		expect(span).toBeLessThanOrEqual(5600);
	});

	test('settling with real usage gives unused tokens back', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({tpm: 60_000, clock, burstMs: 1000});
		const first = await limiter.acquire(1000);
		first.settle(100);
		const start = clock.now();
		const next = limiter.acquire(900);
		await clock.advance(50);
		await next;
		expect(clock.now() - start).toBeLessThanOrEqual(50);
	});

	test('limits learned from headers pace like flags', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		expect(limiter.snapshot().rpmLimit).toBeNull();
		limiter.observeHeaders({limitRequests: 120, limitTokens: 1_000_000});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 120, tpmLimit: 1_000_000, limitSource: 'headers'});
		const times = await dispatchTimes(limiter, clock, 5);
		expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1900);
	});

	test('a 429 holds every dispatch for the server delay and slows the rate', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		await limiter.acquire(1);
		limiter.observeRateLimit(2000);
		expect(limiter.snapshot().rpmLimit).toBeLessThan(600);
		const times = await dispatchTimes(limiter, clock, 1);
		expect(times[0]).toBeGreaterThanOrEqual(2000);
	});

	test('successes bring the rate back after a slow-down', () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		limiter.observeRateLimit(null);
		const slowed = limiter.snapshot().rpmLimit!;
		for (let i = 0; i < 200; i++) limiter.observeSuccess();
		expect(slowed).toBeLessThan(600);
		expect(limiter.snapshot().rpmLimit).toBe(600);
	});

	test('an aborted waiter leaves the line without blocking the next', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 60, clock});
		await limiter.acquire(1);
		const controller = new AbortController();
		const doomed = limiter.acquire(1, controller.signal);
		const after = limiter.acquire(1);
		controller.abort(new Error('cancelled'));
		await expect(doomed).rejects.toThrow('cancelled');
		await clock.advance(1100);
		await expect(after).resolves.toBeDefined();
	});
});
