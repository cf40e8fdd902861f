import {describe, expect, test} from 'vitest';
import {ManualClock} from '../../src/core/clock.js';
import {RateLimiter, type Permit} from '../../src/core/limiter.js';
import {advanceUntil} from '../helpers/manualTime.js';

/** Acquire `n` permits as fast as the limiter allows; returns each dispatch time. */
async function dispatchTimes(limiter: RateLimiter, clock: ManualClock, n: number, tokens = 1): Promise<number[]> {
	const times: number[] = [];
	const all = Array.from({length: n}, () => limiter.acquire(tokens).then(() => times.push(clock.now())));
	let settled = false;
	void Promise.all(all).then(() => (settled = true));
	await advanceUntil(clock, () => settled, `${n} permits`, {seen: () => `${times.length} granted`});
	return times;
}

/**
 * Answers, 50 ms apart, each for a request just sent: 'o' a success (its permit settled with
 * the tokens it used), 'x' a bare 429 with a 100 ms retry-after unless told (what the engine
 * tells the limiter after each attempt).
 */
async function answer(limiter: RateLimiter, clock: ManualClock, pattern: string, retryAfterMs = 100): Promise<void> {
	for (const outcome of pattern) {
		const permit = await acquireNow(limiter, clock);
		await clock.advance(50);
		if (outcome === 'o') {
			permit.settle(1);
		} else {
			permit.settle(0);
			limiter.observeRateLimit(retryAfterMs);
		}
	}
}

/** ms of manual time until the next permit, advancing the clock only while the limiter holds it back. */
async function waitForNext(limiter: RateLimiter, clock: ManualClock): Promise<number> {
	const start = clock.now();
	await acquireNow(limiter, clock);
	return clock.now() - start;
}

/** A permit, advancing the clock (10 ms at a time) only as long as the limiter makes it wait. */
async function acquireNow(limiter: RateLimiter, clock: ManualClock): Promise<Permit> {
	let permit: Permit | undefined;
	void limiter.acquire(1).then(p => (permit = p));
	for (let i = 0; i < 10_000; i++) {
		await new Promise(resolve => setImmediate(resolve));
		if (permit) return permit;
		await clock.advance(10);
	}
	throw new Error('acquireNow: the limiter gave no permit within 100 s of manual time');
}

/**
 * A server that enforces `rpm` smoothly with a burst, like the simulator: admits while
 * what is used plus one fits the burst; a 429 says how long until one fits.
 */
class SmoothServer {
	#used = 0;
	#at = 0;
	readonly #perMs: number;
	readonly #burst: number;

	constructor(
		readonly rpm: number,
		burstMs = 1000,
	) {
		this.#perMs = rpm / 60_000;
		this.#burst = Math.max(1, this.#perMs * burstMs);
	}

	admit(now: number): {ok: true; remaining: number; resetMs: number} | {ok: false; retryAfterMs: number} {
		this.#used = Math.max(0, this.#used - (now - this.#at) * this.#perMs);
		this.#at = now;
		if (this.#used + 1 > this.#burst + 1e-9) return {ok: false, retryAfterMs: Math.ceil((this.#used + 1 - this.#burst) / this.#perMs)};
		this.#used += 1;
		return {ok: true, remaining: Math.floor(this.rpm - Math.ceil(this.#used)), resetMs: this.#used / this.#perMs};
	}
}

/**
 * `workers` loops (a queue at that concurrency) send requests through the limiter to the
 * server for `seconds` of manual time, each answered after `latencyMs`.
 */
async function runAgainst(
	server: SmoothServer,
	limiter: RateLimiter,
	clock: ManualClock,
	{seconds, workers = 16, latencyMs = 300, headers = false}: {seconds: number; workers?: number; latencyMs?: number; headers?: boolean},
): Promise<{admitted: number; rejected: number}> {
	const end = clock.now() + seconds * 1000;
	let admitted = 0;
	let rejected = 0;
	const worker = async () => {
		while (clock.now() < end) {
			const permit = await limiter.acquire(1);
			const answer = server.admit(clock.now());
			if (answer.ok) {
				admitted++;
				if (headers) limiter.observeHeaders({limitRequests: server.rpm, remainingRequests: answer.remaining, resetRequestsMs: answer.resetMs});
				await clock.sleep(latencyMs);
				permit.settle(1);
			} else {
				rejected++;
				permit.settle(0);
				limiter.observeRateLimit(answer.retryAfterMs);
				await clock.sleep(answer.retryAfterMs);
			}
		}
	};
	const done = Promise.all(Array.from({length: workers}, worker));
	let finished = false;
	void done.then(() => (finished = true));
	while (!finished) await clock.advance(10);
	return {admitted, rejected};
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
		expect(limiter.snapshot().pacedRpm).toBe(120);
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
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 120, tpmLimit: 1_000_000, limitSource: 'headers', pacedRpm: 120});
		const times = await dispatchTimes(limiter, clock, 5);
		expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1900);
	});

	test('flags are kept as caps, and headers only lower them', () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		limiter.observeHeaders({limitRequests: 5000});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 600, limitSource: 'flags+headers'});
		limiter.observeHeaders({limitRequests: 300});
		expect(limiter.snapshot().rpmLimit).toBe(300);
	});

	test("dispatch never outruns the server's remaining budget (another client on the key)", async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		// 600 RPM, but the server says 10 of its budget are spent: someone else is sending.
		limiter.observeHeaders({limitRequests: 600, remainingRequests: 590, resetRequestsMs: 1000});
		const start = clock.now();
		const times = await dispatchTimes(limiter, clock, 1);
		// 10 used, less our own burst of 2, must drain at 100 ms each before ours fits.
		expect(times[0]! - start).toBeGreaterThanOrEqual(700);
	});

	test('remaining and reset that imply a slower refill than the limit (a daily window) slow pacing', () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		// 10,000 a "minute" per the limit header, yet 100 used take 23h to come back.
		limiter.observeHeaders({limitRequests: 10_000, remainingRequests: 9_900, resetRequestsMs: 23 * 3_600_000});
		expect(limiter.snapshot().rpmLimit).toBeLessThan(1);
	});

	test('a 429 whose headers show no budget left holds every dispatch for the server delay and slows the rate', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		await limiter.acquire(1);
		limiter.observeRateLimit(2000, {limitRequests: 600, remainingRequests: 0});
		expect(limiter.snapshot().rpmLimit).toBeLessThan(600);
		const times = await dispatchTimes(limiter, clock, 1);
		expect(times[0]).toBeGreaterThanOrEqual(2000);
	});

	test('a lone 429 whose headers show budget left is a blip: the pace is kept and nothing is held', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60));
		limiter.observeRateLimit(60_000, {limitRequests: 600, remainingRequests: 580, resetRequestsMs: 2000});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 600, limitSource: 'headers'});
		// Paced by what the server says is used (20 of 600, ~2 s to drain), not held for its minute.
		expect(await waitForNext(limiter, clock)).toBeLessThan(10_000);
	});

	test('429s in a row whose headers show budget left slow gently and hold nothing', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60));
		for (let i = 0; i < 3; i++) limiter.observeRateLimit(60_000, {limitRequests: 600, remainingRequests: 580, resetRequestsMs: 2000});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 570});
		expect(await waitForNext(limiter, clock)).toBeLessThan(10_000);
	});

	test('the rate comes back with time after a slow-down, not with a burst of successes', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		const inFlight: Permit[] = [];
		for (let i = 0; i < 10; i++) inFlight.push(await acquireNow(limiter, clock));
		limiter.observeRateLimit(null, {limitRequests: 600, remainingRequests: 0});
		const slowed = limiter.snapshot().rpmLimit!;
		expect(slowed).toBe(450);
		// The requests in flight are answered at once: ten successes change nothing.
		for (const permit of inFlight) permit.settle(1);
		expect(limiter.snapshot().rpmLimit).toBe(slowed);
		await clock.advance(2000 + 7500);
		expect(limiter.snapshot().rpmLimit).toBe(525);
		await clock.advance(7500);
		expect(limiter.snapshot().rpmLimit).toBe(600);
	});

	test('one overshoot answered by many 429s at once is one cut, not twenty', () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		for (let i = 0; i < 20; i++) limiter.observeRateLimit(null, {limitRequests: 600, remainingRequests: 0});
		expect(limiter.snapshot().rpmLimit).toBe(450);
	});

	test('a lone 429 without headers among successes is a blip: the pace is kept and nothing is held', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60));
		limiter.observeRateLimit(1500);
		expect(limiter.snapshot()).toMatchObject({rpmLimit: null, pacedRpm: null});
		// The next request goes at once, not after the blip's 1.5 s.
		expect(await waitForNext(limiter, clock)).toBe(0);
	});

	test('with --rpm, a lone bare 429 keeps the pace too', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({rpm: 600, clock});
		await answer(limiter, clock, 'o'.repeat(60));
		limiter.observeRateLimit(1500);
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 600});
		// Paced at 100 ms a request, not held for the blip's 1.5 s.
		expect(await waitForNext(limiter, clock)).toBeLessThanOrEqual(100);
	});

	test('bare 429s scattered at 3 % through a long run never teach a limit', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		// One in 33 answers, for 3,300 answers: a hundred blips.
		await answer(limiter, clock, ('o'.repeat(32) + 'x').repeat(100), 1500);
		expect(limiter.snapshot()).toMatchObject({rpmLimit: null, pacedRpm: null});
		expect(await waitForNext(limiter, clock)).toBe(0);
	});

	test('repeated 429s show a limit: every dispatch waits out the delay, and the rate is set under what got through', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		// 20 a second for 3 s, all answered...
		await answer(limiter, clock, 'o'.repeat(60));
		// ...then three refused in a row.
		limiter.observeRateLimit(800);
		limiter.observeRateLimit(800);
		expect(limiter.snapshot().rpmLimit).toBeNull();
		limiter.observeRateLimit(800);
		const snap = limiter.snapshot();
		// 1200 a minute sent, 3 of the latest 20 answers refused: 85 % of it got through; 90 % of that.
		expect(snap.rpmLimit).toBeGreaterThanOrEqual(900);
		expect(snap.rpmLimit).toBeLessThanOrEqual(940);
		expect(snap.pacedRpm).toBeCloseTo(snap.rpmLimit!, -1);
		const start = clock.now();
		const times = await dispatchTimes(limiter, clock, 1);
		expect(times[0]! - start).toBeGreaterThanOrEqual(800);
	});

	test('a 429 soon after such a cut cuts again; a lone one much later only trims the rate', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60) + 'xxx');
		const learned = limiter.snapshot().rpmLimit!;
		await clock.advance(1000);
		await answer(limiter, clock, 'oo');
		await answer(limiter, clock, 'x', 5000);
		const cutAgain = limiter.snapshot().rpmLimit!;
		expect(cutAgain).toBeLessThanOrEqual(Math.round(learned * 0.9));
		// Slowed, not held: the next request waits its turn at the new pace, not the 5 s.
		expect(await waitForNext(limiter, clock)).toBeLessThan(1000);
		await answer(limiter, clock, 'o'.repeat(40) + 'x');
		const trimmed = limiter.snapshot().rpmLimit!;
		expect(trimmed).toBeLessThan(cutAgain);
		expect(trimmed).toBeGreaterThanOrEqual(Math.floor(cutAgain * 0.9));
	});

	test('headers replace what 429s taught', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60) + 'xxx');
		expect(limiter.snapshot()).toMatchObject({limitSource: null});
		expect(limiter.snapshot().rpmLimit).not.toBeNull();
		limiter.observeHeaders({limitRequests: 600});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 600, limitSource: 'headers'});
	});

	test('headers win over counting 429s: one that shows budget left holds nothing, even among many', async () => {
		const clock = new ManualClock(0);
		const limiter = new RateLimiter({clock});
		await answer(limiter, clock, 'o'.repeat(60));
		for (let i = 0; i < 5; i++) limiter.observeRateLimit(90_000, {limitRequests: 600, remainingRequests: 300, resetRequestsMs: 30_000});
		expect(limiter.snapshot()).toMatchObject({rpmLimit: 570, limitSource: 'headers'});
		// Paced by what the server says is used (300 of 600, ~30 s to drain), not held for its 90 s.
		expect(await waitForNext(limiter, clock)).toBeLessThan(60_000);
		// And one that shows none left holds every dispatch, alone among successes.
		const other = new RateLimiter({clock});
		await answer(other, clock, 'o'.repeat(60));
		other.observeRateLimit(90_000, {limitRequests: 600, remainingRequests: 0});
		expect(await waitForNext(other, clock)).toBeGreaterThanOrEqual(90_000);
	});

	test('with no headers, 429s and retry-after alone converge near the limit without spiralling down', async () => {
		const clock = new ManualClock(0);
		const server = new SmoothServer(600);
		const limiter = new RateLimiter({clock});
		const {admitted, rejected} = await runAgainst(server, limiter, clock, {seconds: 120});
		// The first seconds find the limit; after that it sits just under it.
		expect(admitted / 1200).toBeGreaterThan(0.93);
		expect(rejected / (admitted + rejected)).toBeLessThan(0.01);
		const settled = limiter.snapshot().rpmLimit!;
		expect(settled).toBeGreaterThan(540);
		expect(settled).toBeLessThan(690);
	});

	test('a server with no limit that refuses one request in 33 at random: the run keeps its pace', async () => {
		const run = async (blipEvery: number | null) => {
			const clock = new ManualClock(0);
			const limiter = new RateLimiter({clock});
			let sent = 0;
			let done = 0;
			const worker = async () => {
				while (clock.now() < 60_000) {
					const permit = await limiter.acquire(1);
					sent++;
					if (blipEvery != null && sent % blipEvery === 0) {
						// A bare 429 with a second's retry-after: only this request waits it out.
						permit.settle(0);
						limiter.observeRateLimit(1000);
						await clock.sleep(1000);
						continue;
					}
					await clock.sleep(300);
					permit.settle(1);
					done++;
				}
			};
			const all = Promise.all(Array.from({length: 16}, worker));
			let finished = false;
			void all.then(() => (finished = true));
			while (!finished) await clock.advance(10);
			return {done, snapshot: limiter.snapshot()};
		};
		const calm = await run(null);
		const blips = await run(33);
		expect(blips.snapshot).toMatchObject({rpmLimit: null, pacedRpm: null});
		// Only the refused requests' own waits are lost: 16 slots, 1 in 33 of them waiting 1 s not 0.3 s.
		expect(blips.done / calm.done).toBeGreaterThan(0.9);
	});

	test('with headers, a run paces at the limit and meets no 429', async () => {
		const clock = new ManualClock(0);
		const server = new SmoothServer(600);
		const limiter = new RateLimiter({clock});
		limiter.observeHeaders({limitRequests: 600});
		const {admitted, rejected} = await runAgainst(server, limiter, clock, {seconds: 60, headers: true});
		expect(rejected).toBe(0);
		expect(admitted).toBeGreaterThanOrEqual(595);
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
