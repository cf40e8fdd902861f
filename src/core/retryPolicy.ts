/**
 * What follows a failed attempt, and what stops a whole run: pure decisions that receive
 * the facts and return a verdict (like concurrency.ts), so they are tested without a
 * server or a clock. DESIGN.md "Errors: classification and retry policy".
 */
import {retryDelay, type BackoffOptions} from './backoff.js';
import {DEFAULTS} from './defaults.js';
import {stopsRun} from './errors.js';
import type {ErrorInfo, ErrorKind} from './types.js';

export interface RetryPolicy {
	/** Retries after the first attempt. @default 4 */
	readonly maxRetries?: number;
	/** @default {baseMs: 1000, maxMs: 32000, jitter: 'equal'} */
	readonly backoff?: BackoffOptions;
	/** Most time one job may wait across its retries; a longer server delay fails the job. @default 600000 */
	readonly maxRetryWaitMs?: number;
}

export type FailureVerdict =
	| {readonly type: 'retry'; readonly waitMs: number}
	| {readonly type: 'cancel'}
	| {readonly type: 'fail'; readonly error: ErrorInfo};

export interface FailureFacts {
	/** Attempts since the job was last (re)queued by hand, this one included. */
	readonly attemptsThisRound: number;
	/** Time already spent waiting between this round's attempts. */
	readonly waitedMs: number;
	/** The run is stopping: nothing is retried. */
	readonly stopping: boolean;
}

const seconds = (ms: number, digits: number) => `${(ms / 1000).toFixed(digits)}s`;

/** Retry (after how long), cancel, or fail: the one place that decides. */
export function afterFailure(error: ErrorInfo, facts: FailureFacts, policy: RetryPolicy = {}): FailureVerdict {
	if (error.kind === 'cancelled') return {type: 'cancel'};
	const maxRetries = policy.maxRetries ?? DEFAULTS.maxRetries;
	if (!error.retryable || facts.stopping || facts.attemptsThisRound > maxRetries) return {type: 'fail', error};
	const waitMs = retryDelay(facts.attemptsThisRound - 1, error.retryAfterMs, policy.backoff);
	const maxWait = policy.maxRetryWaitMs ?? DEFAULTS.maxRetryWaitMs;
	if (facts.waitedMs + waitMs <= maxWait) return {type: 'retry', waitMs};
	const message = `${error.message} (the next retry would wait ${seconds(waitMs, 1)}, past the most a prompt may wait across its retries, ${seconds(maxWait, maxWait < 10_000 ? 1 : 0)})`;
	return {type: 'fail', error: {...error, message}};
}

/** Why a run stops by itself; the CLI and the dashboard word the advice that goes with it. */
export interface StopCause {
	readonly kind: ErrorKind;
	/** Plain words, no flags: "quota exhausted (insufficient_quota)". */
	readonly reason: string;
}

/** The error that ends the run (quota, a refused key, an unknown model), or null. */
export function stopCauseOf(error: ErrorInfo): StopCause | null {
	if (!stopsRun(error)) return null;
	switch (error.kind) {
		case 'quota':
			return {kind: 'quota', reason: `quota exhausted (${error.code ?? 'insufficient_quota'})`};
		case 'auth':
			return {kind: 'auth', reason: `the API key was refused (${error.status ?? 401})`};
		case 'not_found':
			return {kind: 'not_found', reason: `unknown model (${error.message})`};
		default:
			return {kind: error.kind, reason: `${error.kind}: ${error.message}`};
	}
}

/**
 * Connection failures in a row, with no answer of any kind between: past the limit the
 * network (or the base URL) is the problem, not the prompts, and the run stops.
 *
 * Attempts already in flight when a failure comes fail with it: one stall of the server or
 * one dropped network ends sixty-four requests at once, and that is one failure, not a
 * run's worth (counted one by one, a single stall of a busy server stopped a healthy run of
 * a million prompts at concurrency 64). So a failure counts only when its attempt was sent
 * after the latest counted one came: only that shows the problem lasting. A wrong base URL
 * still stops a run within a few dozen attempts, since each new one is sent after the last
 * refusal.
 */
export class ConnectionBreaker {
	readonly limit: number;
	#inARow = 0;
	/** When the latest counted failure came (the engine's clock). */
	#lastCountedAt = -Infinity;

	/** @param limit failures in a row that stop the run. @default 25 */
	constructor(limit: number = DEFAULTS.maxConsecutiveConnectionFailures) {
		this.limit = limit;
	}

	/**
	 * An attempt sent at `sentAt` failed at `endedAt`; returns the cause when the run must stop.
	 * Without times, every connection failure counts.
	 */
	failed(error: ErrorInfo, sentAt = Infinity, endedAt = Infinity): StopCause | null {
		if (error.kind === 'connection') {
			if (sentAt >= this.#lastCountedAt) {
				this.#inARow++;
				this.#lastCountedAt = endedAt === Infinity ? -Infinity : endedAt;
			}
		} else if (error.status != null) {
			this.#inARow = 0;
		}
		return this.#inARow >= this.limit ? {kind: 'connection', reason: `${this.#inARow} connection failures in a row`} : null;
	}

	/** The server answered. */
	answered(): void {
		this.#inARow = 0;
	}
}
