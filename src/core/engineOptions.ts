/** What a streaming run is given. Every default is in ./defaults.ts. */
import type {BudgetLimits} from './budget.js';
import type {ModelClient} from './client.js';
import type {CondenseOptions} from './condenseJob.js';
import type {EngineEvent} from './engineEvents.js';
import type {JobQueueFactory} from './jobQueue.js';
import type {Limiter} from './limiter.js';
import type {ResultsWriter} from './resultsWriter.js';
import type {RetryPolicy} from './retryPolicy.js';
import type {RunSink} from './runSink.js';
import type {Clock, ErrorInfo, JobSpec, Usage} from './types.js';

export interface EngineOptions extends RetryPolicy {
	readonly client: ModelClient;
	/** Default model for jobs that name none. @default 'gpt-5.4-mini' */
	readonly model?: string;
	/** @default 256 */
	readonly maxOutputTokens?: number;
	/** Sent as the API's `instructions` for jobs that carry none. */
	readonly instructions?: string;
	/**
	 * Requests in flight (sent and not yet answered, retries included). A number N is a
	 * ceiling the engine never passes and never changes on its own. `'auto'` starts at 4 and
	 * adapts between 1 and `maxConcurrency`: towards rate × latency while pacing to a rate,
	 * growing while latency allows when no rate is known, backing off when latency shows
	 * saturation.
	 * @default 'auto'
	 */
	readonly concurrency?: number | 'auto';
	/** The most requests in flight `concurrency: 'auto'` may reach. @default 64 */
	readonly maxConcurrency?: number;
	/** Client-side caps; without them pacing is learned from headers. Ignored when `limiter` is given. */
	readonly rpm?: number;
	readonly tpm?: number;
	/** Replaces the built-in limiter (e.g. a shared one). @default a RateLimiter of `rpm`/`tpm` */
	readonly limiter?: Limiter;
	/** Where jobs wait for a slot. @default p-queue in this process */
	readonly queue?: JobQueueFactory;
	/** Whole attempt. @default 60000 */
	readonly timeoutMs?: number;
	/** Quiet stream. @default 20000 */
	readonly idleTimeoutMs?: number;
	/** Connection failures in a row (no success between) after which the run stops. @default 25 */
	readonly maxConsecutiveConnectionFailures?: number;
	readonly budget?: BudgetLimits;
	/**
	 * Condense inputs over `maxInputTokens` by the model before sending them (`--on-long
	 * summarize`); the condensing calls are paced, retried, budgeted and counted like any.
	 * @default none: inputs go as they are
	 */
	readonly condense?: CondenseOptions;
	/** A check before a job's first attempt; an ErrorInfo fails the job without sending it. */
	readonly precheck?: (spec: JobSpec, inputTokens: number) => ErrorInfo | null;
	/** Input tokens of a job as the API will count them (an estimate). @default chars / 4 + 8 */
	readonly countInputTokens?: (spec: JobSpec, model: string) => number;
	/** Tokens in a piece of streamed text, for the live count until usage replaces it. @default chars / 4 */
	readonly countDeltaTokens?: (text: string) => number;
	/** Cost in USD of a usage on a model; null when the price is unknown. @default unknown */
	readonly costOf?: (usage: Usage, model: string) => number | null;
	/**
	 * Tell the sink each reply's text (the dashboard's detail pane shows it). A headless
	 * run that writes a results file can turn it off: the text is on disk, and 100,000
	 * replies would otherwise stay in memory.
	 * @default true
	 */
	readonly retainOutput?: boolean;
	/**
	 * Hold every job for the whole run and tell the sink of all of them before the start
	 * (the dashboard cancels and retries any job by id). With false, jobs are taken from
	 * their stream as the queue needs them, their input tokens counted then, and a job
	 * that succeeded or was skipped is forgotten once its record is written: memory stays
	 * the same however many jobs (headless, where the results file has what resume needs).
	 * @default true
	 */
	readonly keepJobs?: boolean;
	/** Where results go; without it they are only in the events and the summary. */
	readonly writer?: ResultsWriter;
	/** Where the run reports as it goes (the dashboard's store). @default nothing */
	readonly sink?: RunSink;
	/** Header label for the endpoint (`simulator flaky · seed 7`, or a host). */
	readonly endpoint?: string;
	/** @default the system clock */
	readonly clock?: Clock;
	readonly onEvent?: (event: EngineEvent) => void;
}
