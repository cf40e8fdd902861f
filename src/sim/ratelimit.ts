/**
 * Smooth rate limits. Each limit is a bucket that drains continuously at limit/60 s
 * (so N RPM admits one request every 60000/N ms), with a burst of `burstMs` worth of
 * budget — never a whole minute's worth at the top of the minute.
 *
 * The headers describe the minute-scale budget as the real API does (limit 500,
 * remaining 499, reset 120ms after one request), while admission uses the burst: a
 * client that paces at limit/60 s per unit never sees a 429, one that bursts does.
 */
import {formatGoDuration} from './duration.js';

export class Bucket {
	/** Units per minute; Infinity means unlimited. */
	readonly limit: number;
	readonly #perMs: number;
	readonly #burst: number;
	/** Units spent and not yet refilled, as of #at. */
	#used = 0;
	#at = 0;

	constructor(limit: number, burstMs: number) {
		this.limit = limit;
		this.#perMs = limit / 60_000;
		this.#burst = Math.max(1, this.#perMs * burstMs);
	}

	get unlimited(): boolean {
		return !Number.isFinite(this.limit);
	}

	#drain(now: number): void {
		if (now > this.#at) {
			this.#used = Math.max(0, this.#used - (now - this.#at) * this.#perMs);
			this.#at = now;
		}
	}

	/** A single request bigger than the burst may still go, alone, when the bucket is empty. */
	#allowance(cost: number): number {
		return Math.max(this.#burst, cost);
	}

	/** ms until `cost` would be admitted (0: now). */
	waitFor(cost: number, now: number): number {
		if (this.unlimited) return 0;
		this.#drain(now);
		const excess = this.#used + cost - this.#allowance(cost);
		return excess <= 1e-9 ? 0 : excess / this.#perMs;
	}

	take(cost: number, now: number): void {
		if (this.unlimited) return;
		this.#drain(now);
		this.#used += cost;
	}

	/** Charge a refused request; the debt is capped at one burst beyond the allowance. */
	takeRefused(cost: number, now: number): void {
		if (this.unlimited) return;
		this.#drain(now);
		this.#used = Math.min(this.#used + cost, Math.max(this.#used, this.#allowance(cost) + this.#burst));
	}

	/** Correct an earlier charge (negative refunds). */
	adjust(delta: number, now: number): void {
		if (this.unlimited) return;
		this.#drain(now);
		this.#used = Math.max(0, this.#used + delta);
	}

	used(now: number): number {
		this.#drain(now);
		return Math.ceil(this.#used - 1e-9);
	}

	remaining(now: number): number {
		return Math.max(0, Math.floor(this.limit - this.used(now)));
	}

	/** ms until the budget is full again. */
	resetMs(now: number): number {
		this.#drain(now);
		return this.#used / this.#perMs;
	}
}

export type Admission =
	| {readonly ok: true}
	| {
			readonly ok: false;
			readonly dimension: 'requests' | 'tokens';
			readonly waitMs: number;
			readonly limit: number;
			readonly used: number;
			readonly requested: number;
	  };

export class RateLimiter {
	readonly requests: Bucket;
	readonly tokens: Bucket;
	readonly #countRejected: boolean;

	constructor(options: {rpm: number; tpm: number; burstMs: number; countRejected: boolean}) {
		this.requests = new Bucket(options.rpm, options.burstMs);
		this.tokens = new Bucket(options.tpm, options.burstMs);
		this.#countRejected = options.countRejected;
	}

	/** One request whose estimate exceeds the whole TPM limit can never be admitted. */
	isTooLarge(estimate: number): boolean {
		return estimate > this.tokens.limit;
	}

	admit(estimate: number, now: number): Admission {
		const requestWait = this.requests.waitFor(1, now);
		const tokenWait = this.tokens.waitFor(estimate, now);
		if (requestWait === 0 && tokenWait === 0) {
			this.requests.take(1, now);
			this.tokens.take(estimate, now);
			return {ok: true};
		}
		// Report the limit that holds the request back longest: its wait is the true one.
		const dimension = requestWait >= tokenWait ? 'requests' : 'tokens';
		const bucket = dimension === 'requests' ? this.requests : this.tokens;
		const requested = dimension === 'requests' ? 1 : estimate;
		const used = bucket.used(now);
		if (this.#countRejected) this.requests.takeRefused(1, now);
		const waitMs = Math.max(this.requests.waitFor(1, now), this.tokens.waitFor(estimate, now));
		return {ok: false, dimension, waitMs, limit: bucket.limit, used, requested};
	}

	/** `x-ratelimit-*` for the current state (an unlimited dimension sends none). */
	headers(now: number): Record<string, string> {
		const headers: Record<string, string> = {};
		for (const [name, bucket] of [
			['requests', this.requests],
			['tokens', this.tokens],
		] as const) {
			if (bucket.unlimited) continue;
			headers[`x-ratelimit-limit-${name}`] = String(bucket.limit);
			headers[`x-ratelimit-remaining-${name}`] = String(bucket.remaining(now));
			headers[`x-ratelimit-reset-${name}`] = formatGoDuration(bucket.resetMs(now));
		}
		return headers;
	}
}
