/**
 * The protocol between the dashboard (the render thread) and the engine's worker thread.
 * Everything here crosses a MessagePort by structured clone: plain data, no functions.
 */
import type {RunSummary} from '../core/ledger.js';
import type {BudgetFigures, JobSnapshot, RateFigures, RunInfo, RunTotals} from '../core/runSink.js';
import type {JobSpec, JobStatus} from '../core/types.js';
import type {Endpoint, PreparedRun, RunOptions} from '../runBatch.js';
import type {DiskStatus} from '../store/runStore.js';

/** What the worker is started with (its `workerData`; the API key stays in memory, never argv). */
export interface WorkerStart {
	/** A prompts file the worker reads as the run goes, or the jobs whole (stdin, read once). */
	readonly input: {readonly file: string} | {readonly jobs: readonly JobSpec[]};
	/** The run's options, less what cannot cross a thread (callbacks, a limiter, a store). */
	readonly options: PortableRunOptions;
	readonly endpoint: Endpoint;
	/** The dashboard drew every job's row from the input already, with this model for a job naming none (see portSink's `rowsShown`). */
	readonly rowsShown?: {readonly model: string};
}

export type PortableRunOptions = Omit<RunOptions, 'endpoint' | 'store' | 'limiter' | 'client' | 'writerFs' | 'onEvent' | 'onResultsEvent' | 'onBatches' | 'onNotice' | 'batchAfterStep' | 'keepJobs' | 'batchApi'>;

/** A change of a job's row: the sink's changes, and the text of a prompt cut to fit (see portSink's rowsShown). */
export type RowPatch = Partial<Omit<JobSnapshot, 'id'>>;

/** One call of the run's sink, as a tuple (a batch holds thousands). */
export type SinkCall =
	| readonly ['jobsAdded', readonly JobSnapshot[]]
	| readonly ['jobChanged', string, RowPatch]
	| readonly ['outputAppended', string, string, number];

/** What the run's sink heard since the last batch: job calls in order, figures folded to their latest. */
export interface SinkBatch {
	readonly calls: readonly SinkCall[];
	readonly totals?: RunTotals;
	readonly rate?: Partial<RateFigures>;
	readonly budget?: Partial<BudgetFigures>;
	readonly run?: Partial<RunInfo>;
	/** The results file's state changed (undefined: it did not). */
	readonly disk?: DiskStatus | null;
	/** The run's summary as of this batch: what the exit code is made from (null while preparing). */
	readonly summary: RunSummary | null;
}

/** What the prepared run says of itself (PreparedRun's plain fields). */
export interface PreparedFacts {
	readonly outPath: string | null;
	readonly alreadyDone: number;
	readonly tornLine: number | null;
	readonly merged: {readonly files: readonly string[]; readonly records: number};
	readonly discarded: readonly string[];
	readonly endpointLabel: string;
}

/** After the end: where records went that `out` would not take, and a failed compaction. */
export interface EndFacts {
	readonly summary: RunSummary;
	readonly fallback: PreparedRun['fallback'];
	readonly compactError: string | null;
}

/** An error as it crosses the port: its class name decides how the CLI reports it. */
export interface PortableError {
	readonly name: string;
	readonly message: string;
	readonly stack?: string;
}

export type ToWorker =
	| {readonly type: 'run'}
	/** `status`: the job as the dashboard last saw it (a queued job may not be read from the file yet). */
	| {readonly type: 'cancel'; readonly id: string; readonly status: JobStatus | undefined}
	| {readonly type: 'retry'; readonly id: string}
	| {readonly type: 'retryAllFailed'}
	| {readonly type: 'pause'}
	| {readonly type: 'resume'}
	| {readonly type: 'setConcurrency'; readonly n: number | 'auto'}
	| {readonly type: 'stop'; readonly seq: number; readonly abort?: boolean; readonly reason?: string}
	| {readonly type: 'finish'; readonly compact?: boolean}
	| {readonly type: 'finishNow'};

export type FromWorker =
	| {readonly type: 'prepared'; readonly facts: PreparedFacts}
	| {readonly type: 'prepareFailed'; readonly error: PortableError}
	| {readonly type: 'sink'; readonly batch: SinkBatch}
	| {readonly type: 'stopped'; readonly seq: number}
	| {readonly type: 'ran'}
	/** `run()` rejected: a bug, as on the main thread. */
	| {readonly type: 'runFailed'; readonly error: PortableError}
	| {readonly type: 'finished'; readonly end: EndFacts}
	/** The worker hit an error nobody caught; what it could flush is flushed. */
	| {readonly type: 'fatal'; readonly error: PortableError; readonly end: EndFacts | null};

export function portableError(error: unknown): PortableError {
	if (error instanceof Error) return {name: error.name, message: error.message, stack: error.stack};
	return {name: 'Error', message: String(error)};
}
