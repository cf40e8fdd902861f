/**
 * The limits pacing knows of, before any 429 slows it: flags (`--rpm`, `--tpm`), kept as
 * caps that headers can only lower, and what the server's `x-ratelimit-*` headers say.
 * `limit` sets the rate; `remaining` with `reset` gives the rate the budget really refills
 * at, which is lower than `limit`/min when the window is longer (RPD, TPD). Tightest wins.
 */
import type {LimitSource} from './limiter.js';
import type {RateLimitHeaders} from './types.js';

export class KnownLimits {
	readonly #flagRpm: number | undefined;
	readonly #flagTpm: number | undefined;
	#headerRpm: number | undefined;
	#headerTpm: number | undefined;
	/** The per-minute rate `remaining`/`reset` imply, when lower than `limit` (longer windows). */
	#refillRpm: number | undefined;
	#refillTpm: number | undefined;

	constructor(flags: {readonly rpm?: number; readonly tpm?: number}) {
		this.#flagRpm = positiveOrUndefined(flags.rpm);
		this.#flagTpm = positiveOrUndefined(flags.tpm);
	}

	/** Requests/min, undefined when nothing bounds them. */
	get rpm(): number | undefined {
		return tightest(this.#flagRpm, this.#headerRpm, this.#refillRpm);
	}

	/** Tokens/min, undefined when nothing bounds them. */
	get tpm(): number | undefined {
		return tightest(this.#flagTpm, this.#headerTpm, this.#refillTpm);
	}

	/** Any limit at all: else only 429s can tell the rate. */
	get any(): boolean {
		return this.rpm != null || this.tpm != null;
	}

	/** The server has stated a limit (`x-ratelimit-limit-*`). */
	get fromHeaders(): boolean {
		return this.#headerRpm != null || this.#headerTpm != null;
	}

	get source(): LimitSource {
		const flags = this.#flagRpm != null || this.#flagTpm != null;
		const headers = this.fromHeaders;
		return flags && headers ? 'flags+headers' : flags ? 'flags' : headers ? 'headers' : null;
	}

	/** Reads an answer's headers; true when the limits changed. */
	observe(headers: RateLimitHeaders): boolean {
		let changed = false;
		if (headers.limitRequests && headers.limitRequests !== this.#headerRpm) {
			this.#headerRpm = headers.limitRequests;
			changed = true;
		}
		if (headers.limitTokens && headers.limitTokens !== this.#headerTpm) {
			this.#headerTpm = headers.limitTokens;
			changed = true;
		}
		const refillRpm = refillRate(headers.limitRequests, headers.remainingRequests, headers.resetRequestsMs);
		if (refillRpm !== this.#refillRpm) {
			this.#refillRpm = refillRpm;
			changed = true;
		}
		const refillTpm = refillRate(headers.limitTokens, headers.remainingTokens, headers.resetTokensMs);
		if (refillTpm !== this.#refillTpm) {
			this.#refillTpm = refillTpm;
			changed = true;
		}
		return changed;
	}
}

/** The smallest of the positive values, undefined when there is none. */
export function tightest(...values: Array<number | undefined>): number | undefined {
	let min: number | undefined;
	for (const v of values) if (v != null && v > 0 && (min == null || v < min)) min = v;
	return min;
}

function positiveOrUndefined(value: number | undefined): number | undefined {
	return value != null && value > 0 && Number.isFinite(value) ? value : undefined;
}

/**
 * The per-minute rate the budget refills at, from `remaining` and `reset` (time until
 * full), when it is clearly below `limit` per minute: a daily window, or a server that
 * refills slower than it says. Undefined when the figures are too small to tell.
 */
function refillRate(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined): number | undefined {
	if (limit == null || remaining == null || resetMs == null || resetMs <= 0) return undefined;
	const used = limit - remaining;
	// A couple of units are mostly rounding (remaining is floored, reset is not).
	if (used < Math.max(2, limit * 0.01)) return undefined;
	const perMinute = (used / resetMs) * 60_000;
	return perMinute < limit * 0.9 ? perMinute : undefined;
}
