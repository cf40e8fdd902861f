/**
 * Talking to the Files and Batches APIs the way pacer talks to the model: every call is
 * classified (../core/errors.ts) and retried on its own terms (429 after `retry-after`,
 * 5xx, timeouts and dropped connections with backoff), and what no retry can mend (a bad
 * key, a spent quota, a request the server refuses) is thrown as a ProviderError that
 * stops the run. `waitForBatch` polls one batch until it ends, 1 s doubling to 60 s
 * between looks while its status stays the same.
 */
import type OpenAI from 'openai';
import {retryDelay, type BackoffOptions} from '../core/backoff.js';
import {classifyError} from '../core/errors.js';
import type {Clock, ErrorInfo} from '../core/types.js';

export type Batch = OpenAI.Batches.Batch;

export const FINAL_BATCH_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** A provider call that cannot succeed by trying again; `info` is its classified error. */
export class ProviderError extends Error {
	override readonly name = 'ProviderError';
	constructor(
		readonly what: string,
		readonly info: ErrorInfo,
	) {
		super(`${what}: ${info.message}`);
	}
}

export interface CallPolicy {
	readonly clock: Clock;
	/** Retries of one call after its first try. @default 4 */
	readonly maxRetries?: number;
	readonly backoff?: BackoffOptions;
	/** Aborts the wait between tries (a detach); the call then rejects with its reason. */
	readonly signal?: AbortSignal;
	/** Told of each retry, for the log. */
	readonly onRetry?: (what: string, info: ErrorInfo, waitMs: number) => void;
}

/** Run `call`, retrying what the error table says is worth retrying. */
export async function withRetries<T>(what: string, call: () => Promise<T>, policy: CallPolicy): Promise<T> {
	const maxRetries = policy.maxRetries ?? 4;
	for (let attempt = 0; ; attempt++) {
		policy.signal?.throwIfAborted();
		try {
			return await call();
		} catch (error) {
			if (policy.signal?.aborted) throw policy.signal.reason;
			const info = classifyError(error);
			if (!info.retryable || attempt >= maxRetries) throw new ProviderError(what, info);
			const waitMs = retryDelay(attempt, info.retryAfterMs, policy.backoff);
			policy.onRetry?.(what, info, waitMs);
			await policy.clock.sleep(waitMs, policy.signal);
		}
	}
}

export interface PollOptions {
	/** First wait between two looks at a batch, ms. @default 1000 */
	readonly minMs?: number;
	/** Longest wait between two looks, ms. @default 60000 */
	readonly maxMs?: number;
}

/**
 * Look at a batch until it ends. `sleep` is the runner's (a cancel wakes it early);
 * `onBatch` hears every answer.
 */
export async function waitForBatch(
	retrieve: () => Promise<Batch>,
	options: PollOptions & {readonly policy: CallPolicy; readonly sleep: (ms: number) => Promise<void>; readonly onBatch: (batch: Batch) => void},
): Promise<Batch> {
	const minMs = options.minMs ?? 1000;
	const maxMs = options.maxMs ?? 60_000;
	let waitMs = minMs;
	let last: string | null = null;
	for (;;) {
		const batch = await withRetries('batches.retrieve', retrieve, options.policy);
		options.onBatch(batch);
		if (FINAL_BATCH_STATUSES.has(batch.status)) return batch;
		// A new status: look again soon (the next one may be near); the same: less often. Counts
		// moving do not reset it, or a batch of hours would be looked at every second.
		waitMs = batch.status !== last ? minMs : Math.min(maxMs, waitMs * 2);
		last = batch.status;
		await options.sleep(waitMs);
	}
}
