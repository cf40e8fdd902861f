/**
 * pacer as a library: the same engine the CLI runs. The package is `pacer-cli` on npm
 * (its command is `pacer`).
 *
 *   import {generate, runBatch, classifyError, startSimulator} from 'pacer-cli';
 */
import type {ResultRecord} from './core/types.js';
import {jobSpecFrom, type JobObject} from './core/jobArray.js';
import {runBatch, type RunOptions} from './runBatch.js';

export {runBatch, prepareRun, STYLES} from './runBatch.js';
export type {BatchResult, Endpoint, PreparedRun, RunOptions, Style} from './runBatch.js';
export {classifyError, AttemptTimeoutError, CancelledError, StreamFailedError, stopsRun} from './core/errors.js';
export {readJobs, parseJobs, InputError} from './core/input.js';
export {openJobFile} from './core/jobFile.js';
export type {JobFile, JobFileOptions} from './core/jobFile.js';
export type {JobInput} from './core/jobStream.js';
export type {BatchJob, BatchApiLine, JobObject} from './core/jobArray.js';
export {Engine} from './core/engine.js';
export type {EngineEvent, EngineOptions, RunSummary} from './core/engine.js';
export type {WriterEvent} from './core/resultsWriter.js';
export type {WriteFailure} from './core/writeFailure.js';
export {ResponsesClient} from './core/responsesClient.js';
export {ChatClient} from './core/chatClient.js';
export {ApiRouter, apiClient} from './core/autoApiClient.js';
export type {ApiChoice} from './core/autoApiClient.js';
export type {ModelClient, ModelRequest, AttemptOptions, AttemptResult} from './core/client.js';
export {RateLimiter} from './core/rateLimiter.js';
export type {LimiterOptions} from './core/rateLimiter.js';
export type {Limiter, LimiterSnapshot, LimitSource, Permit} from './core/limiter.js';
export {systemClock, ManualClock} from './core/clock.js';
export {startSimulator} from './sim/index.js';
export {BatchRunner} from './batch/batchRunner.js';
export type {BatchRunnerOptions} from './batch/batchRunner.js';
export type {BatchRow, BatchStatus, BatchControls} from './batch/batchRow.js';
export type {Simulator, SimulatorOptions, SimProfileName} from './sim/index.js';
export {createRunStore} from './store/runStore.js';
export type {RunStore, RunState, JobView} from './store/runStore.js';
export type {ApiName, ConcurrencyMode, ErrorInfo, ErrorKind, JobSpec, ResultRecord, Usage, Clock} from './core/types.js';

export interface GenerateOptions extends Omit<RunOptions, 'out' | 'resume' | 'concurrency' | 'maxConcurrency'> {
	/** Id of the record, when the job object has none. @default 'prompt' */
	readonly id?: string;
}

/**
 * One resilient call: paced, retried by pacer's policy, timed out, classified. Resolves
 * to the record a batch would write; never throws for API errors (see `status`, `error`).
 * `prompt` is a string or a job object as `runBatch` takes; a bad one throws InputError
 * (`generate: ...`) before any request.
 */
export async function generate(prompt: string | JobObject, options: GenerateOptions = {}): Promise<ResultRecord> {
	let record: ResultRecord | null = null;
	const job = jobSpecFrom(prompt, options.id ?? 'prompt', 'generate');
	await runBatch([job], {
		...options,
		// One prompt: one request in flight at a time, its retries included.
		concurrency: 1,
		out: null,
		onEvent: event => {
			if (event.type === 'finished') record = event.record;
			options.onEvent?.(event);
		},
	});
	if (!record) throw new Error('pacer: the run ended without a record (a bug in pacer)');
	return record;
}
