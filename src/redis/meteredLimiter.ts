/**
 * This process's share of a shared budget: a Limiter that passes every call on and counts
 * what it was granted over the last minute (requests, and tokens corrected as permits
 * settle). A worker's heartbeat carries the figures, so the collector can say who uses
 * the scope's budget; the budget itself stays in Redis.
 */
import {systemClock} from '../core/clock.js';
import type {Limiter, LimiterSnapshot, Permit} from '../core/limiter.js';
import {SlidingMinute} from '../core/slidingMinute.js';
import type {Clock, RateLimitHeaders} from '../core/types.js';

export class MeteredLimiter implements Limiter {
	readonly #inner: Limiter;
	readonly #clock: Clock;
	readonly #requests = new SlidingMinute();
	readonly #tokens = new SlidingMinute();

	constructor(inner: Limiter, clock: Clock = systemClock) {
		this.#inner = inner;
		this.#clock = clock;
	}

	async acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
		const permit = await this.#inner.acquire(tokens, signal);
		const now = this.#clock.now();
		this.#requests.add(now, 1);
		this.#tokens.add(now, tokens);
		let settled = false;
		return {
			settle: actual => {
				if (!settled) this.#tokens.adjust(actual - tokens);
				settled = true;
				permit.settle(actual);
			},
		};
	}

	observeHeaders(headers: RateLimitHeaders): void {
		this.#inner.observeHeaders(headers);
	}

	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void {
		this.#inner.observeRateLimit(retryAfterMs, rateLimits);
	}

	snapshot(): LimiterSnapshot {
		return this.#inner.snapshot();
	}

	/** Requests and tokens this process was granted in the last 60 s. */
	used(): {rpm: number; tpm: number} {
		const now = this.#clock.now();
		return {rpm: this.#requests.count(now), tpm: this.#tokens.total(now)};
	}
}
