/**
 * Pacing: smooth requests/min and tokens/min, fixed by flags or learned from the
 * server's `x-ratelimit-*` headers, slowed by 429s for the whole run.
 * Concurrency is the queue's business (engine.ts); this decides *when* a request may go.
 */
import {systemClock} from './clock.js';
import type {Clock, RateLimitHeaders} from './types.js';

export interface LimiterOptions {
	/** Client-side cap on requests per minute. @default undefined (learned from headers) */
	readonly rpm?: number;
	/** Client-side cap on tokens per minute. @default undefined (learned from headers) */
	readonly tpm?: number;
	/**
	 * How much may go at once, as ms of the rate (a 600 RPM limiter with 200 ms lets
	 * 2 requests go back to back). Kept small so pacing stays smooth.
	 * @default 200
	 */
	readonly burstMs?: number;
	/** @default systemClock */
	readonly clock?: Clock;
}

/** A dispatched request's charge; `settle` corrects the estimate with the real usage. */
export interface Permit {
	settle(actualTokens: number): void;
}

export interface LimiterSnapshot {
	readonly rpmNow: number;
	readonly tpmNow: number;
	/** The requests/min pacing aims at now (after 429 slow-downs), null when unbounded. */
	readonly rpmLimit: number | null;
	readonly tpmLimit: number | null;
	readonly limitSource: 'flags' | 'headers' | 'flags+headers' | null;
	/** Until when every dispatch is held after a 429 (epoch ms), or null. */
	readonly heldUntil: number | null;
}

/** The seam the engine paces through; a shared (e.g. Redis) limiter can implement it later. */
export interface Limiter {
	/** Resolves when a request charging `tokens` may start. Rejects if `signal` aborts. */
	acquire(tokens: number, signal?: AbortSignal): Promise<Permit>;
	observeHeaders(headers: RateLimitHeaders): void;
	/**
	 * A 429 (rate_limit): slow every dispatch down; hold them all for the server's delay
	 * unless the headers that came with it show budget left.
	 */
	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void;
	observeSuccess(): void;
	snapshot(): LimiterSnapshot;
}

/** A continuously refilling bucket; `level` may go negative when one charge exceeds capacity. */
class Bucket {
	level: number;
	#last: number;

	constructor(
		public ratePerMs: number,
		public capacity: number,
		now: number,
		start: number,
	) {
		this.level = start;
		this.#last = now;
	}

	refill(now: number): void {
		if (now > this.#last) {
			this.level = Math.min(this.capacity, this.level + (now - this.#last) * this.ratePerMs);
			this.#last = now;
		}
	}

	/** ms until `amount` may be taken (a charge above capacity waits for a full bucket). */
	waitFor(amount: number, now: number): number {
		this.refill(now);
		const need = Math.min(amount, this.capacity);
		if (this.level >= need) return 0;
		return Math.ceil((need - this.level) / this.ratePerMs);
	}
}

/** Counts over the last 60 s, O(1) amortised per event. */
class SlidingMinute {
	#times: number[] = [];
	#amounts: number[] = [];
	#head = 0;
	#sum = 0;

	add(now: number, amount: number): void {
		this.#times.push(now);
		this.#amounts.push(amount);
		this.#sum += amount;
	}

	/** Correct the latest charges (e.g. an estimate replaced by real usage). */
	adjust(amount: number): void {
		this.#sum += amount;
	}

	total(now: number): number {
		while (this.#head < this.#times.length && this.#times[this.#head]! <= now - 60_000) {
			this.#sum -= this.#amounts[this.#head]!;
			this.#head++;
		}
		if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
			this.#times = this.#times.slice(this.#head);
			this.#amounts = this.#amounts.slice(this.#head);
			this.#head = 0;
		}
		return Math.max(0, Math.round(this.#sum));
	}

	count(now: number): number {
		this.total(now);
		return this.#times.length - this.#head;
	}
}

const MIN_FACTOR = 0.1;
const CUT_INTERVAL_MS = 1000;

export class RateLimiter implements Limiter {
	readonly #clock: Clock;
	readonly #burstMs: number;
	readonly #flagRpm: number | undefined;
	readonly #flagTpm: number | undefined;
	#headerRpm: number | undefined;
	#headerTpm: number | undefined;
	/** A limit guessed from the rate at which 429s began, when nothing else is known. */
	#guessRpm: number | undefined;
	/** Multiplies the limits after 429s; recovers on successes. */
	#factor = 1;
	#heldUntil = 0;
	#firstDispatchAt: number | null = null;
	#lastCutAt = -Infinity;
	#requests: Bucket | null = null;
	#tokens: Bucket | null = null;
	#gate: Promise<void> = Promise.resolve();
	readonly #requestWindow = new SlidingMinute();
	readonly #tokenWindow = new SlidingMinute();

	constructor(options: LimiterOptions = {}) {
		this.#clock = options.clock ?? systemClock;
		this.#burstMs = options.burstMs ?? 200;
		this.#flagRpm = options.rpm;
		this.#flagTpm = options.tpm;
		this.#rebuild();
	}

	/** The limits pacing aims at, before the 429 factor. */
	#baseRpm(): number | undefined {
		const known = [this.#flagRpm, this.#headerRpm].filter((v): v is number => v != null && v > 0);
		if (known.length > 0) return Math.min(...known);
		return this.#guessRpm;
	}

	#baseTpm(): number | undefined {
		const known = [this.#flagTpm, this.#headerTpm].filter((v): v is number => v != null && v > 0);
		return known.length > 0 ? Math.min(...known) : undefined;
	}

	#rebuild(): void {
		const now = this.#clock.now();
		const rpm = this.#baseRpm();
		const tpm = this.#baseTpm();
		// Requests start with one in hand (smooth from the first); tokens with a full burst.
		this.#requests = rpm ? this.#retune(this.#requests, (rpm * this.#factor) / 60_000, now, 1, 1) : null;
		this.#tokens = tpm ? this.#retune(this.#tokens, (tpm * this.#factor) / 60_000, now, 0, Infinity) : null;
	}

	#retune(bucket: Bucket | null, ratePerMs: number, now: number, minCapacity: number, start: number): Bucket {
		const capacity = Math.max(minCapacity, ratePerMs * this.#burstMs);
		if (!bucket) return new Bucket(ratePerMs, capacity, now, Math.min(capacity, start));
		bucket.refill(now);
		bucket.ratePerMs = ratePerMs;
		bucket.capacity = capacity;
		bucket.level = Math.min(bucket.level, capacity);
		return bucket;
	}

	acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
		// One waiter at a time, first come first served: the gate is a promise chain.
		const turn = this.#gate.then(() => this.#waitTurn(tokens, signal));
		this.#gate = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}

	async #waitTurn(tokens: number, signal?: AbortSignal): Promise<Permit> {
		for (;;) {
			signal?.throwIfAborted();
			const now = this.#clock.now();
			const wait = Math.max(
				this.#heldUntil - now,
				this.#requests?.waitFor(1, now) ?? 0,
				this.#tokens?.waitFor(tokens, now) ?? 0,
			);
			if (wait <= 0) break;
			await this.#clock.sleep(wait, signal);
		}
		const now = this.#clock.now();
		this.#firstDispatchAt ??= now;
		if (this.#requests) this.#requests.level -= 1;
		if (this.#tokens) this.#tokens.level -= tokens;
		this.#requestWindow.add(now, 1);
		this.#tokenWindow.add(now, tokens);
		let settled = false;
		return {
			settle: actual => {
				if (settled) return;
				settled = true;
				const delta = actual - tokens;
				if (this.#tokens) this.#tokens.level -= delta;
				this.#tokenWindow.adjust(delta);
			},
		};
	}

	observeHeaders(headers: RateLimitHeaders): void {
		let changed = false;
		if (headers.limitRequests && headers.limitRequests !== this.#headerRpm) {
			this.#headerRpm = headers.limitRequests;
			changed = true;
		}
		if (headers.limitTokens && headers.limitTokens !== this.#headerTpm) {
			this.#headerTpm = headers.limitTokens;
			changed = true;
		}
		if (changed) this.#rebuild();
	}

	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void {
		const now = this.#clock.now();
		if (rateLimits) this.observeHeaders(rateLimits);
		// The server says budget is left: a short-window blip, not the run being over the limit.
		// Slow down a little; the job that got it waits its own retry-after.
		const budgetLeft =
			rateLimits != null &&
			(rateLimits.remainingRequests ?? 0) > 0 &&
			(rateLimits.remainingTokens ?? 1) > 0;
		if (!budgetLeft && retryAfterMs != null) this.#heldUntil = Math.max(this.#heldUntil, now + retryAfterMs);
		if (this.#baseRpm() == null && this.#baseTpm() == null) {
			// Nothing known: take the rate that tripped the server (per minute, measured over
			// what has run so far, at least one second) as a first guess.
			const span = Math.min(60_000, Math.max(1000, now - (this.#firstDispatchAt ?? now)));
			this.#guessRpm = Math.max(1, (this.#requestWindow.count(now) * 60_000) / span);
			this.#factor = 1;
		} else if (now - this.#lastCutAt >= CUT_INTERVAL_MS) {
			// One cut per window: a burst of 429s from one overshoot is one signal, not twenty.
			this.#lastCutAt = now;
			this.#factor = Math.max(MIN_FACTOR, this.#factor * (budgetLeft ? 0.9 : 0.7));
		}
		this.#rebuild();
	}

	observeSuccess(): void {
		if (this.#factor >= 1) return;
		this.#factor = Math.min(1, this.#factor + 0.02);
		this.#rebuild();
	}

	snapshot(): LimiterSnapshot {
		const now = this.#clock.now();
		const rpm = this.#baseRpm();
		const tpm = this.#baseTpm();
		const flags = this.#flagRpm != null || this.#flagTpm != null;
		const headers = this.#headerRpm != null || this.#headerTpm != null;
		return {
			rpmNow: this.#requestWindow.count(now),
			tpmNow: this.#tokenWindow.total(now),
			rpmLimit: rpm ? Math.round(rpm * this.#factor) : null,
			tpmLimit: tpm ? Math.round(tpm * this.#factor) : null,
			limitSource: flags && headers ? 'flags+headers' : flags ? 'flags' : headers ? 'headers' : null,
			heldUntil: this.#heldUntil > now ? this.#heldUntil : null,
		};
	}
}
