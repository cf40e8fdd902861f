/** What a Batch API runner is given (./batchRunner.ts); the wiring is ./prepareBatchRun.ts. */
import type OpenAI from 'openai';
import type {BackoffOptions} from '../core/backoff.js';
import type {EngineEvent} from '../core/engineEvents.js';
import type {Price} from '../core/prices.js';
import type {ResultsWriter} from '../core/resultsWriter.js';
import type {Runner} from '../core/runner.js';
import type {RunSink} from '../core/runSink.js';
import type {Clock, ErrorInfo, JobSpec, ResultRecord} from '../core/types.js';
import type {BatchRow} from './batchRow.js';
import type {PollOptions} from './poll.js';
import type {BatchJobRequest, PartLimits} from './requestLines.js';

export interface BatchRunnerOptions {
	readonly openai: OpenAI;
	/** Every job of the input, prepared (resume's done ones too: they make the input's hash). */
	readonly jobs: readonly BatchJobRequest[];
	/** Ids whose success is already in `--out`: no line is built for them. @default none */
	readonly done?: Pick<ReadonlySet<string>, 'has'>;
	/** `<out>.batches.json`; null keeps the state in memory only (library use without `out`). */
	readonly statePath: string | null;
	/** Re-attach to the batches the state file names. @default false */
	readonly resume?: boolean;
	/** Who the run is, for the state file (never the key). */
	readonly identity: {readonly model: string; readonly api: string; readonly host: string};
	readonly writer?: ResultsWriter;
	readonly sink?: RunSink;
	/** @default systemClock */
	readonly clock?: Clock;
	readonly limits?: PartLimits;
	readonly poll?: PollOptions;
	/** Retries of one provider call. @default 4 */
	readonly maxRetries?: number;
	readonly backoff?: BackoffOptions;
	readonly budget?: {readonly usd?: number; readonly tokens?: number};
	/** The price of a model (batch rates are taken from it), or null when unknown. */
	readonly price: (model: string) => Price | null;
	/**
	 * `--then-live`: a live runner for the jobs that failed or expired in their batch,
	 * writing to the same results; `onRecord` hears each record it writes.
	 */
	readonly thenLive?: (specs: readonly JobSpec[], onRecord: (record: ResultRecord) => void, budgetLeft: {readonly usd?: number; readonly tokens?: number}) => Runner;
	/** A job that must not be sent (over `--max-input-tokens` with `--on-long fail`): its error, else null. */
	readonly precheck?: (job: BatchJobRequest) => ErrorInfo | null;
	/** The batches, whole, on every change. */
	readonly onBatches?: (rows: readonly BatchRow[]) => void;
	readonly onEvent?: (event: EngineEvent) => void;
	/** What the run decides that a person should hear (headless: one line each). */
	readonly onNotice?: (line: string) => void;
	/** Told after a step's state is on disk (tests stop a run there, as a crash would). */
	readonly afterStep?: (step: 'uploaded' | 'created', part: number) => void | Promise<void>;
	/** What the header names as the endpoint. @default '' */
	readonly endpoint?: string;
}
