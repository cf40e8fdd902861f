/**
 * The in-process limiter: smooth requests/min and tokens/min, fixed by flags or learned
 * from the server's `x-ratelimit-*` headers (knownLimits.ts), slowed by 429s for the whole
 * run (rateLimitBackoff.ts), paced through two token buckets (tokenBucket.ts).
 * Concurrency is the queue's business; this decides *when* a request may go, and tells
 * the engine (`pacedRpm`) how many requests a minute that comes to.
 */
import {SerialGate} from './serialGate.js';
import {systemClock} from './clock.js';
import {KnownLimits, tightest} from './knownLimits.js';
import type {Limiter, LimiterSnapshot, Permit} from './limiter.js';
import {RateLimitBackoff} from './rateLimitBackoff.js';
import {SlidingMinute} from './slidingMinute.js';
import {TokenBucket} from './tokenBucket.js';
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

/** Rates that change with time (a recovering factor, a growing learned rate) are re-read this often. */
const RETUNE_MS = 100;
/** A waiter re-checks at least this often: headers or a recovering rate may shorten its wait. */
const RECHECK_MS = 250;

export class RateLimiter implements Limiter {
	readonly #clock: Clock;
	readonly #burstMs: number;
	readonly #limits: KnownLimits;
	readonly #requestWindow = new SlidingMinute();
	readonly #tokenWindow = new SlidingMinute();
	readonly #backoff = new RateLimitBackoff(this.#requestWindow);
	#requests: TokenBucket | null = null;
	#tokens: TokenBucket | null = null;
	/** When the buckets' rates were last set; they follow the recovering factor. */
	#tunedAt = -Infinity;
	readonly #gate = new SerialGate();
	/** Running mean of a request's real tokens (its estimate until settled). */
	#tokensPerRequest = 0;

	constructor(options: LimiterOptions = {}) {
		this.#clock = options.clock ?? systemClock;
		this.#burstMs = options.burstMs ?? 200;
		this.#limits = new KnownLimits(options);
		this.#rebuild(this.#clock.now());
	}

	/** Requests/min and tokens/min pacing aims at now, undefined when unbounded. */
	#targets(now: number): {rpm: number | undefined; tpm: number | undefined} {
		const known = this.#limits.rpm;
		const tpm = this.#limits.tpm;
		if (known == null && tpm == null) return {rpm: this.#backoff.learnedRpm(now), tpm: undefined};
		const factor = this.#backoff.factor(now);
		return {rpm: known != null ? known * factor : undefined, tpm: tpm != null ? tpm * factor : undefined};
	}

	#rebuild(now: number): void {
		const {rpm, tpm} = this.#targets(now);
		this.#tunedAt = now;
		// Requests start with one in hand (smooth from the first); tokens with a full burst.
		this.#requests = rpm ? this.#retune(this.#requests, rpm / 60_000, now, 1, 1) : null;
		this.#tokens = tpm ? this.#retune(this.#tokens, tpm / 60_000, now, 0, Infinity) : null;
	}

	#retune(bucket: TokenBucket | null, ratePerMs: number, now: number, minCapacity: number, start: number): TokenBucket {
		const capacity = Math.max(minCapacity, ratePerMs * this.#burstMs);
		if (!bucket) return new TokenBucket(ratePerMs, capacity, now, Math.min(capacity, start));
		bucket.refill(now);
		bucket.ratePerMs = ratePerMs;
		bucket.capacity = capacity;
		bucket.level = Math.min(bucket.level, capacity);
		return bucket;
	}

	#retuneIfStale(now: number): void {
		if (now - this.#tunedAt < RETUNE_MS) return;
		if (this.#backoff.changesWithTime) this.#rebuild(now);
		else this.#tunedAt = now;
	}

	acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
		// One waiter at a time, first come first served.
		return this.#gate.run(() => this.#waitTurn(tokens, signal));
	}

	async #waitTurn(tokens: number, signal?: AbortSignal): Promise<Permit> {
		for (;;) {
			signal?.throwIfAborted();
			const now = this.#clock.now();
			this.#retuneIfStale(now);
			const wait = Math.max(
				this.#backoff.heldUntil - now,
				this.#requests?.waitFor(1, now) ?? 0,
				this.#tokens?.waitFor(tokens, now) ?? 0,
			);
			if (wait <= 0) break;
			await this.#clock.sleep(Math.min(wait, RECHECK_MS), signal);
		}
		const now = this.#clock.now();
		if (this.#tokensPerRequest === 0) this.#tokensPerRequest = tokens;
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
				// A failed attempt (0) says nothing about a request's size, nor about the limit.
				if (actual > 0) {
					this.#tokensPerRequest = this.#tokensPerRequest === 0 ? actual : this.#tokensPerRequest * 0.95 + actual * 0.05;
					this.#backoff.observeSuccess(this.#clock.now());
				}
			},
		};
	}

	observeHeaders(headers: RateLimitHeaders): void {
		const now = this.#clock.now();
		if (this.#limits.observe(headers)) {
			// Headers replace what 429s taught: the server has said what its limits are.
			if (this.#limits.fromHeaders) this.#backoff.forgetLearnedRpm();
			this.#rebuild(now);
		}
		// Never dispatch past what the server says is left.
		if (this.#requests && headers.limitRequests != null && headers.remainingRequests != null) {
			this.#requests.syncUsed(headers.limitRequests - headers.remainingRequests, now);
		}
		if (this.#tokens && headers.limitTokens != null && headers.remainingTokens != null) {
			this.#tokens.syncUsed(headers.limitTokens - headers.remainingTokens, now);
		}
	}

	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void {
		const now = this.#clock.now();
		let change;
		if (rateLimits == null || Object.keys(rateLimits).length === 0) {
			change = this.#backoff.observeBare(now, retryAfterMs, this.#limits.any);
		} else {
			this.observeHeaders(rateLimits);
			const budgetLeft = (rateLimits.remainingRequests ?? 0) > 0 && (rateLimits.remainingTokens ?? 1) > 0;
			change = this.#backoff.observeWithHeaders(now, retryAfterMs, budgetLeft, this.#limits.any);
		}
		if (change === 'none') return;
		this.#rebuild(now);
		// The server is out of budget: after the hold, resume at the new pace, not with the
		// burst the bucket saved up meanwhile (its first requests would meet a 429 too).
		if (change === 'over-limit' && this.#requests) {
			this.#requests.refill(now);
			this.#requests.level = Math.min(this.#requests.level, -Math.max(0, this.#backoff.heldUntil - now) * this.#requests.ratePerMs);
		}
	}

	snapshot(): LimiterSnapshot {
		const now = this.#clock.now();
		const {rpm, tpm} = this.#targets(now);
		const perRequest = this.#tokensPerRequest || null;
		const byTokens = tpm != null && perRequest ? tpm / perRequest : undefined;
		return {
			rpmNow: this.#requestWindow.count(now),
			tpmNow: this.#tokenWindow.total(now),
			rpmLimit: rpm ? Math.round(rpm) : null,
			tpmLimit: tpm ? Math.round(tpm) : null,
			limitSource: this.#limits.source,
			pacedRpm: tightest(rpm, byTokens) ?? null,
		};
	}
}
