/**
 * Exact input-token counts only once something reads them. The tokenizer's tables cost
 * about 60 MB of RSS once loaded (80 MB of a 10,000-prompt run's peak), and each count some
 * CPU; in a headless run with no `--tpm`, no budget and no `--max-input-tokens`, the only
 * reader of a job's count is the limiter's
 * token pacing, and that has nothing to pace until a token limit is known. So such a run
 * charges the engine's rough estimate (about 4 characters a token) until the server names a
 * token limit in its `x-ratelimit-*-tokens` headers, and counts exactly from then on. Every
 * charge is replaced by the real usage when its request ends, so the rough ones last only
 * while their requests are in flight; they are the jobs counted before the first answer
 * (the queue reads at most 64 ahead), at most those, whatever the batch.
 */
import {defaultInputTokens} from './jobRuntime.js';
import type {Limiter} from './limiter.js';
import type {RateLimitHeaders} from './types.js';
import type {JobSpec} from './types.js';

export type CountInput = (spec: JobSpec, model: string) => number;

export interface CountWhenNeeded {
	/** The limiter to pace through: the one given, listening for a token limit. */
	readonly limiter: Limiter;
	/** The count to give the engine: rough until a token limit is known, exact after. */
	readonly count: CountInput;
	/** A token limit is known, so counts are exact. */
	readonly exact: boolean;
}

function namesTokenLimit(headers: RateLimitHeaders | undefined): boolean {
	return headers?.limitTokens !== undefined || headers?.remainingTokens !== undefined;
}

/** `limiter` must pace no tokens yet (no `--tpm`): a limiter with a token limit needs exact counts from the start. */
export function countWhenNeeded(limiter: Limiter, exact: CountInput, rough: CountInput = defaultInputTokens): CountWhenNeeded {
	let known = false;
	const listening: Limiter = {
		acquire: (tokens, signal) => limiter.acquire(tokens, signal),
		observeHeaders(headers) {
			if (namesTokenLimit(headers)) known = true;
			limiter.observeHeaders(headers);
		},
		observeRateLimit(retryAfterMs, rateLimits) {
			if (namesTokenLimit(rateLimits)) known = true;
			limiter.observeRateLimit(retryAfterMs, rateLimits);
		},
		snapshot: () => limiter.snapshot(),
	};
	return {
		limiter: listening,
		count: (spec, model) => (known ? exact(spec, model) : rough(spec, model)),
		get exact() {
			return known;
		},
	};
}
