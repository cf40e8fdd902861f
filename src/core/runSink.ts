/**
 * Where a run reports what happens, as it happens: the dashboard's store, plain lines, or
 * nothing at all (a library call). The engine only ever tells a sink; it never reads back
 * from one. Records and the summary come from the engine's own ledger, so a run with no
 * sink writes the same results file.
 */
import type {LimitSource} from './limiter.js';
import type {AttemptInfo, ConcurrencyMode, ErrorInfo, ErrorKind, JobStatus, Usage} from './types.js';

/** A job as a run shows it. */
export interface JobSnapshot {
	readonly id: string;
	readonly line: number;
	/** The prompt as text. */
	readonly text: string;
	readonly model: string;
	readonly status: JobStatus;
	/** Attempts started so far. */
	readonly attempts: number;
	/** Epoch ms of the next attempt while `waiting`. */
	readonly retryAt: number | null;
	/** Input tokens: the estimate until the API's usage replaces it. */
	readonly tokensIn: number | null;
	/** Output tokens: counted up from the stream's deltas, then replaced by the API's usage. */
	readonly tokensOut: number;
	readonly usage: Usage | null;
	/** The reply so far. */
	readonly output: string;
	readonly truncated: boolean;
	readonly inputTruncated: boolean;
	/** The input was condensed (`--on-long summarize`). */
	readonly inputSummarized: boolean;
	/** The condensing call under way, while the input is being condensed. */
	readonly condensing: {readonly call: number; readonly of: number} | null;
	readonly error: ErrorInfo | null;
	readonly history: readonly AttemptInfo[];
	/** Epoch ms the current (or last) attempt started. */
	readonly startedAt: number | null;
	readonly finishedAt: number | null;
	/** How long the last answered attempt took. */
	readonly latencyMs: number | null;
	readonly requestId: string | null;
	/** Cost in USD of this job so far; null when the model's price is unknown. */
	readonly costUsd: number | null;
}

/** A job before anything happened to it. */
export function queuedSnapshot(job: {id: string; line: number; text: string; model: string; tokensIn: number | null; inputTruncated?: boolean; inputSummarized?: boolean}): JobSnapshot {
	// Every field written out in one literal: 100,000 of these stay in memory, and a literal
	// keeps its fields in the object itself (a spread does not).
	return {
		id: job.id,
		line: job.line,
		text: job.text,
		model: job.model,
		status: 'queued',
		attempts: 0,
		retryAt: null,
		tokensIn: job.tokensIn,
		tokensOut: 0,
		usage: null,
		output: '',
		truncated: false,
		inputTruncated: job.inputTruncated ?? false,
		inputSummarized: job.inputSummarized ?? false,
		error: null,
		history: [],
		startedAt: null,
		finishedAt: null,
		latencyMs: null,
		requestId: null,
		costUsd: null,
		condensing: null,
	};
}

/** What changed about a job; its identity (id, line, text) never does. */
export type JobChange = Partial<Omit<JobSnapshot, 'id' | 'line' | 'text'>>;

export type RunPhase = 'idle' | 'running' | 'paused' | 'stopping' | 'done';

export type StatusCounts = Record<JobStatus, number>;

export interface RunTotals {
	readonly tokensIn: number;
	readonly tokensOut: number;
	readonly cachedTokens: number;
	readonly reasoningTokens: number;
	/** Attempts started, all jobs. */
	readonly attempts: number;
	/** Retries scheduled. */
	readonly retries: number;
	/** 429 answers with kind rate_limit. */
	readonly rateLimited: number;
	/** Jobs whose reply was cut at max_output_tokens. */
	readonly truncated: number;
	/** USD spent on jobs with a known price. */
	readonly costUsd: number;
	/** Jobs that spent tokens on a model without a known price: cost is then partly unknown. */
	readonly unpricedJobs: number;
	/** Prompts whose input was condensed; their condensing calls and what those were billed (also in the totals above). */
	readonly summarized: number;
	readonly summaryCalls: number;
	readonly summaryTokensIn: number;
	readonly summaryTokensOut: number;
	readonly summaryCostUsd: number;
}

export interface RateFigures {
	/** Requests started in the last 60 s. */
	readonly rpmNow: number;
	/** Tokens (input + output) charged in the last 60 s. */
	readonly tpmNow: number;
	readonly rpmLimit: number | null;
	readonly tpmLimit: number | null;
	/** Where the limits came from. */
	readonly limitSource: LimitSource;
	/** Requests that may be in flight now: a ceiling the user fixed, or where auto has it. */
	readonly concurrency: number;
	readonly concurrencyMode: ConcurrencyMode;
	/** How far auto may go (`--max-concurrency`). */
	readonly maxConcurrency: number;
}

export interface BudgetFigures {
	readonly tokens: number | null;
	readonly usd: number | null;
	readonly spentTokens: number;
	readonly spentUsd: number;
}

export interface RunInfo {
	readonly phase: RunPhase;
	readonly model: string;
	/** What the header names as the endpoint: `simulator flaky · seed 7`, or a host. */
	readonly endpoint: string;
	readonly startedAt: number | null;
	readonly finishedAt: number | null;
	/** Why the run stopped early (quota, auth, unknown model, signal, ...), in core's plain words. */
	readonly stopReason: string | null;
	/** What kind of thing stopped it, so the CLI and the dashboard can give the advice that fits. */
	readonly stopKind: ErrorKind | null;
	/** What was decided about the API during the run (the `--api auto` switch to chat), said once; null while nothing. */
	readonly apiNote?: string | null;
}

export interface RunSink {
	/** The jobs of the run, once, before anything is sent. */
	jobsAdded(jobs: readonly JobSnapshot[]): void;
	jobChanged(id: string, change: JobChange): void;
	/** Streamed text and its token estimate for a running job (batched, not per SSE event). */
	outputAppended(id: string, text: string, tokens: number): void;
	/** The run's totals, whole, each time they change. */
	totalsChanged(totals: RunTotals): void;
	rateChanged(rate: Partial<RateFigures>): void;
	budgetChanged(budget: Partial<BudgetFigures>): void;
	runChanged(run: Partial<RunInfo>): void;
}

/** A sink that hears nothing: a library run, or a test of the engine alone. */
export const silentSink: RunSink = {
	jobsAdded() {},
	jobChanged() {},
	outputAppended() {},
	totalsChanged() {},
	rateChanged() {},
	budgetChanged() {},
	runChanged() {},
};

/** `sink` told only of the run (its figures, totals, phase), never of a job: a run that holds no job list. */
export function withoutJobs(sink: RunSink): RunSink {
	return {...sink, jobsAdded() {}, jobChanged() {}, outputAppended() {}};
}
