/**
 * The shapes shared by the engine, the store, the CLI and the dashboard.
 * Nothing here imports React, Ink or the SDK.
 */

/** Where a job is in its life. `waiting` means: a retry is scheduled at `retryAt`. */
export type JobStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

/** The statuses a job can end in. */
export type FinalStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export const FINAL_STATUSES: readonly FinalStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped'];
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'waiting', ...FINAL_STATUSES];

export function isFinal(status: JobStatus): status is FinalStatus {
	return status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
}

/** Who sets the concurrency: `auto` adapts it, `fixed` is a ceiling the user set. */
export type ConcurrencyMode = 'auto' | 'fixed';

/** DESIGN.md's error table. */
export type ErrorKind =
	| 'rate_limit'
	| 'quota'
	| 'too_large'
	| 'auth'
	| 'permission'
	| 'not_found'
	| 'bad_request'
	| 'context_length'
	| 'conflict'
	| 'timeout'
	| 'server'
	| 'connection'
	| 'cancelled'
	| 'budget'
	| 'unexpected';

/** Any failure, classified. Serialisable: no Error objects, no headers objects. */
export interface ErrorInfo {
	readonly kind: ErrorKind;
	/** HTTP status when there was one. */
	readonly status: number | null;
	/** The API's `error.code` (or `error.type` when there is no code), when there was one. */
	readonly code: string | null;
	/** A sentence a person can act on. Never contains an API key. */
	readonly message: string;
	/** Whether another attempt could succeed (after `x-should-retry` was applied). */
	readonly retryable: boolean;
	/** The delay the server asked for (`retry-after-ms`, `retry-after`, or "try again in"), if any. */
	readonly retryAfterMs: number | null;
	/** The server's request id, when known. */
	readonly requestId?: string | null;
	/** `x-ratelimit-*` figures that came with the error, for pacing; never written to results. */
	readonly rateLimits?: RateLimitHeaders;
	/** Stack of an `unexpected` error, for the log; never written to results. */
	readonly stack?: string;
}

/** The two APIs pacer speaks: `POST /responses` and `POST /chat/completions`. */
export type ApiName = 'responses' | 'chat';

/** What a prompts file line becomes. */
export interface JobSpec {
	/** From `id` / `custom_id`, else `line-<n>`. Unique in a batch. */
	readonly id: string;
	/** 1-based line number in the input. */
	readonly line: number;
	/** The `input` sent to the API: a string, or an array of input items (Batch API lines). */
	readonly input: string | readonly unknown[];
	/** The prompt as plain text, for display and token counting. */
	readonly text: string;
	readonly model?: string;
	readonly instructions?: string;
	readonly maxOutputTokens?: number;
	readonly metadata?: Readonly<Record<string, string>>;
	/** Other request body fields (from a Batch API line's `body`) passed through as they are. */
	readonly extraBody?: Readonly<Record<string, unknown>>;
	/** Set when pacer cut the input to `--max-input-tokens`. */
	readonly inputTruncated?: boolean;
	/**
	 * A .jsonl line's `context`, already in `input` after the prompt and a blank line:
	 * what `--on-long summarize` condenses (the prompt before it is sent verbatim).
	 */
	readonly context?: string;
	/** A condensed input an earlier run made for this prompt (`--resume`): sent instead of condensing again. */
	readonly condensed?: {readonly input: string | readonly unknown[]; readonly usage: SummaryUsage};
	/**
	 * The API this job must use (a Batch API line's `url`); with `chat`, an array `input`
	 * holds Chat Completions messages. @default the run's `--api`
	 */
	readonly api?: ApiName;
}

export interface Usage {
	readonly input_tokens: number;
	readonly output_tokens: number;
	readonly total_tokens: number;
	readonly cached_tokens?: number;
	readonly reasoning_tokens?: number;
}

/** What the server billed for the calls that condensed one prompt's input. */
export interface SummaryUsage {
	readonly input_tokens: number;
	readonly output_tokens: number;
	readonly total_tokens: number;
	/** Condensing calls answered. */
	readonly calls: number;
}

/** One line of the results file (DESIGN.md "Results"). */
export interface ResultRecord {
	readonly id: string;
	readonly line: number;
	readonly status: FinalStatus;
	readonly output: string | null;
	/** The reply stopped at max_output_tokens (`status: "incomplete"`). */
	readonly truncated: boolean;
	readonly error: {kind: ErrorKind; status: number | null; code: string | null; message: string} | null;
	readonly attempts: number;
	readonly usage: Usage | null;
	readonly model: string;
	readonly latency_ms: number | null;
	readonly started_at: string | null;
	readonly finished_at: string;
	readonly request_id: string | null;
	/** The API that answered (for a job with no answer, the one tried last, or that it would have used). */
	readonly api?: ApiName;
	/** Present and true when the input was cut to --max-input-tokens. */
	readonly input_truncated?: boolean;
	/** Present and true when the input was condensed by the model (`--on-long summarize`). */
	readonly input_summarized?: boolean;
	/** The condensing calls (`usage` is the final answer's alone). */
	readonly summary_usage?: SummaryUsage;
	/**
	 * On a record that did not succeed: the condensed input, so `--resume` sends it
	 * without condensing again; `condensed_from` ties it to the input it was made from.
	 */
	readonly condensed_input?: string | readonly unknown[];
	readonly condensed_from?: string;
	/** The Batch API batch that answered (`--batch-api`). */
	readonly batch_id?: string;
}

/** Rate-limit figures read from `x-ratelimit-*` headers. Every field optional. */
export interface RateLimitHeaders {
	readonly limitRequests?: number;
	readonly limitTokens?: number;
	readonly remainingRequests?: number;
	readonly remainingTokens?: number;
	/** ms until the request budget is full again. */
	readonly resetRequestsMs?: number;
	/** ms until the token budget is full again. */
	readonly resetTokensMs?: number;
}

/** One attempt as the detail pane shows it. */
export interface AttemptInfo {
	/** 1-based. */
	readonly n: number;
	readonly startedAt: number;
	readonly endedAt: number;
	readonly outcome: 'succeeded' | 'truncated' | 'failed' | 'cancelled';
	readonly error: ErrorInfo | null;
	/** The wait scheduled after this attempt before the next one, if any. */
	readonly waitMs: number | null;
	/** What the call was when it was not the prompt itself: `condense 2/5`. */
	readonly call?: string;
	/** Tokens a condensing call was billed. */
	readonly usage?: Usage | null;
}

/** A timer set on a Clock; `cancel` is safe to call twice or after it fired. */
export interface Timer {
	cancel(): void;
}

/** A source of time and timers. Tests and demos inject their own. */
export interface Clock {
	now(): number;
	/** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
	/** Calls `callback` once, after `ms`. Never keeps the process alive by itself. */
	timeout(ms: number, callback: () => void): Timer;
	/**
	 * Calls `callback` every `ms` until cancelled: a background tick (refreshing figures),
	 * never what a run waits for, and it never keeps the process alive by itself.
	 */
	every(ms: number, callback: () => void): Timer;
}
