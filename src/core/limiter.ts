/**
 * The seam the engine paces through. The in-process implementation is `RateLimiter`
 * (rateLimiter.ts); a limiter shared by many processes (e.g. through Redis) implements the
 * same interface, so the engine does not change for it.
 *
 * What the engine tells a limiter, in the order it happens to one attempt:
 * `acquire` before it sends, `observeHeaders` when the answer's headers arrive,
 * `observeRateLimit` when the answer is a 429, and the permit's `settle` when it is over.
 */
import type {RateLimitHeaders} from './types.js';

export {RateLimiter, type LimiterOptions} from './rateLimiter.js';

/** Where the limits pacing aims at came from: flags (`--rpm`, `--tpm`), the server's headers, both, or neither. */
export type LimitSource = 'flags' | 'headers' | 'flags+headers' | null;

/** A dispatched request's charge. */
export interface Permit {
	/**
	 * The attempt is over: `actualTokens` is what it really used (input + output), which
	 * replaces the estimate it was charged at `acquire`. Above 0 it was answered, a success
	 * the limiter reads the 429s around it against; 0 when it got no answer (failed, refused,
	 * aborted). Calls after the first are ignored.
	 */
	settle(actualTokens: number): void;
}

/** What the dashboard shows of pacing, and what the engine sizes concurrency from. */
export interface LimiterSnapshot {
	/** Requests started in the last 60 s. */
	readonly rpmNow: number;
	/** Tokens charged in the last 60 s (estimates, corrected as permits settle). */
	readonly tpmNow: number;
	/** The requests/min pacing aims at now (after 429 slow-downs), null when unbounded. */
	readonly rpmLimit: number | null;
	/** The tokens/min pacing aims at now, null when unbounded. */
	readonly tpmLimit: number | null;
	readonly limitSource: LimitSource;
	/**
	 * Requests a minute the limits let through now: the tighter of the RPM pacing and the
	 * TPM pacing over the average request's tokens. Null when nothing bounds the rate yet.
	 * The engine sizes concurrency from it so that concurrency never binds before the rate.
	 */
	readonly pacedRpm: number | null;
}

/** Decides when each request may go; the 429s and headers it is told slow or steady the whole run. */
export interface Limiter {
	/** Resolves when a request charging `tokens` (its estimate) may start. Rejects if `signal` aborts. */
	acquire(tokens: number, signal?: AbortSignal): Promise<Permit>;
	/** An answer's `x-ratelimit-*` headers (any of them may be missing). */
	observeHeaders(headers: RateLimitHeaders): void;
	/**
	 * A 429 (rate_limit) with the server's retry-after, if any, and the rate-limit headers
	 * that came with it: slow every dispatch, and hold them all for the server's delay
	 * unless the headers show budget left.
	 */
	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void;
	snapshot(): LimiterSnapshot;
}
