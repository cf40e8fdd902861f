/**
 * Wiring a run: input jobs + options -> results file, simulator (when asked), client,
 * engine. The CLI and the library both go through here; nothing here reads argv or env.
 */
import type {ModelClient} from './core/client.js';
import {RateLimiter, type Limiter} from './core/limiter.js';
import {countWhenNeeded} from './core/countWhenNeeded.js';
import {apiClient, type ApiChoice} from './core/autoApiClient.js';
import {Engine, type EngineEvent, type RunSummary} from './core/engine.js';
import type {Runner} from './core/runner.js';
import {DEFAULTS} from './core/defaults.js';
import type {FallbackResult} from './core/fallback.js';
import type {WriterEvent, WriterFs} from './core/resultsWriter.js';
import {countInputTokens, fitInputToTokens} from './core/tokens.js';
import {costUsd, priceFor, type Price} from './core/prices.js';
import {registerSecret} from './core/secrets.js';
import {condensedFrom} from './core/condenseJob.js';
import type {ErrorInfo, JobSpec, ResultRecord} from './core/types.js';
import {jobSpecsFrom, type BatchJob} from './core/jobArray.js';
import {idsOf, streamOf, type JobInput} from './core/jobStream.js';
import {withoutJobs, type RunSink} from './core/runSink.js';
import type {SimProfileName, Simulator, SimulatorOptions} from './sim/index.js';
import {createRunStore, type RunStore} from './store/runStore.js';
import {storeSink} from './store/storeSink.js';
import {RunResults} from './runResults.js';
import type {BatchControls, BatchRow} from './batch/batchRow.js';
import type {PollOptions} from './batch/poll.js';
import type {PartLimits} from './batch/requestLines.js';

export type Style = 'short' | 'medium' | 'long';

/** The length instruction and output cap of each `--style`. */
export const STYLES: Record<Style, {instruction: string; maxOutputTokens: number}> = {
	short: {instruction: 'Answer in at most two sentences.', maxOutputTokens: 128},
	medium: {instruction: 'Answer in one short paragraph.', maxOutputTokens: 512},
	long: {instruction: 'Answer in detail, in several paragraphs.', maxOutputTokens: 2048},
};

export type Endpoint =
	| {readonly kind: 'sim'; readonly profile: SimProfileName; readonly seed: number; readonly options?: Omit<SimulatorOptions, 'profile' | 'seed'>}
	| {readonly kind: 'api'; readonly apiKey: string; readonly baseURL?: string};

export interface RunOptions {
	/** Where results go; null keeps them only in memory (library use). @default null */
	readonly out?: string | null;
	/** Skip jobs whose latest record in `out` (or a fallback file of it) succeeded. @default false */
	readonly resume?: boolean;
	/** How often a results file that takes nothing (a full disk) is tried again. @default 1000 */
	readonly retryWriteMs?: number;
	/** Where results go when `out` cannot take them at the end, and where resume looks. @default [the temp folder, the current folder] */
	readonly fallbackDirs?: readonly string[];
	/** File operations of the results writer (tests that cannot mount a small disk). @default node:fs */
	readonly writerFs?: WriterFs;
	/** @default 'gpt-5.4-mini' */
	readonly model?: string;
	/**
	 * `responses`, `chat` (Chat Completions), or `auto`: Responses, switching the run to chat
	 * when the server has no `/responses`. A job that names its API (a Batch line's url) keeps it.
	 * @default 'auto'
	 */
	readonly api?: ApiChoice;
	/** @default 256, or the style's cap */
	readonly maxOutputTokens?: number;
	readonly instructions?: string;
	readonly style?: Style;
	/**
	 * Requests in flight (sent and not yet answered, retries included). A number N is a
	 * hard ceiling, never passed; `'auto'` starts at 4 and adapts between 1 and
	 * `maxConcurrency` while latency allows.
	 * @default 'auto'
	 */
	readonly concurrency?: number | 'auto';
	/** The most requests in flight `concurrency: 'auto'` may reach. @default 64 */
	readonly maxConcurrency?: number;
	readonly rpm?: number;
	readonly tpm?: number;
	/** Paces the run instead of an in-process limiter of `rpm`/`tpm` (e.g. one shared through Redis). */
	readonly limiter?: Limiter;
	/** @default 4 */
	readonly maxRetries?: number;
	/** @default 1000 */
	readonly backoffBaseMs?: number;
	/** @default 32000 */
	readonly backoffMaxMs?: number;
	/** @default 60000 */
	readonly timeoutMs?: number;
	/** @default 20000 */
	readonly idleTimeoutMs?: number;
	/** @default 600000 */
	readonly maxRetryWaitMs?: number;
	readonly budgetTokens?: number;
	readonly budgetUsd?: number;
	/** Inputs over this many tokens are failed, truncated or condensed (`onLong`). @default no limit */
	readonly maxInputTokens?: number;
	/**
	 * What to do with an input over `maxInputTokens`: fail it before sending, cut it, or
	 * condense it by the model first (`summarize`: only a jsonl `context`, or the turns
	 * between a conversation's system items and its last user item, or a plain prompt whole).
	 * @default 'fail'
	 */
	readonly onLong?: 'fail' | 'truncate' | 'summarize';
	/** The model that condenses with `onLong: 'summarize'`. @default the job's model */
	readonly summaryModel?: string;
	/** USD per 1M tokens, overriding pacer's table. */
	readonly priceIn?: number;
	readonly priceOut?: number;
	/** @default the simulator, calm, seed 1 */
	readonly endpoint?: Endpoint;
	/** Use this client instead of the SDK one (tests of the engine alone). */
	readonly client?: ModelClient;
	readonly store?: RunStore;
	/** Keep reply text in the store (for a dashboard); the results file has it either way. @default true */
	readonly retainOutput?: boolean;
	/**
	 * Hold every job (and its row in the store) for the whole run, as a dashboard needs.
	 * With false, jobs are read as the run needs them and forgotten once their success is
	 * on disk, and the store hears only the run's figures, never a job: memory stays flat
	 * however many jobs (headless). @default true
	 */
	readonly keepJobs?: boolean;
	/**
	 * Where the run's jobs and figures are told instead of `store` (a dashboard whose store
	 * is in another thread); `store` then hears only the results file (a full disk).
	 * @default the store
	 */
	readonly sink?: RunSink;
	readonly onEvent?: (event: EngineEvent) => void;
	/** What the results file tells: a write failed (once), writes go through again, a fallback file at the end. */
	readonly onResultsEvent?: (event: WriterEvent) => void;
	/**
	 * Send the jobs through the provider's Batch API (Files + Batches: half price, up to
	 * 24 h) instead of one request at a time; the batch ids are kept in `<out>.batches.json`
	 * and `resume` re-attaches to them. @default false
	 */
	readonly batchApi?: boolean;
	/** With `batchApi`: send what failed or expired in its batch through the live engine at the end. @default false */
	readonly thenLive?: boolean;
	/** With `batchApi`: the size of one batch file. @default 50,000 requests, 200 MB */
	readonly batchLimits?: PartLimits;
	/** With `batchApi`: how often a batch is looked at. @default 1 s after each new status, doubling to 60 s while it stays */
	readonly batchPoll?: PollOptions;
	/** With `batchApi`: the batches, whole, on every change (the dashboard's rows, headless lines). */
	readonly onBatches?: (rows: readonly BatchRow[]) => void;
	/** With `batchApi`: what the run decides that a person should hear (the `--then-live` start). */
	readonly onNotice?: (line: string) => void;
	/** With `batchApi`: told once a step's state is on disk (tests stop there, as a crash would). */
	readonly batchAfterStep?: (step: 'uploaded' | 'created', part: number) => void | Promise<void>;
}

export interface PreparedRun {
	/** The streaming engine (or the Batch API runner), seen through the runner seam. */
	readonly runner: Runner;
	/** A `batchApi` run's own controls (cancel one batch, detach); absent for a live run. */
	readonly batch?: BatchControls;
	readonly store: RunStore;
	readonly outPath: string | null;
	/** Jobs skipped because their success is already on disk. */
	readonly alreadyDone: number;
	/** A torn last line found in `out` on resume. */
	readonly tornLine: number | null;
	/** Fallback files of earlier runs merged into `out` on resume. */
	readonly merged: {readonly files: readonly string[]; readonly records: number};
	/** Fallback files of an earlier run that this new run (no resume) removed with the old `out`. */
	readonly discarded: readonly string[];
	readonly simulator: Simulator | null;
	/** What the header shows as the endpoint. */
	readonly endpointLabel: string;
	/** Stop the simulator, compact the results file (unless `compact` is false), release the lock. */
	finish(options?: {compact?: boolean}): Promise<RunSummary>;
	/**
	 * The part of `finish` that cannot wait (a signal's deadline): close the results (a
	 * fallback file for what `out` would not take) and release the lock, at once.
	 */
	finishNow(): RunSummary;
	/** After the end: where the records `out` would not take went (null: all are in `out`). */
	readonly fallback: (FallbackResult & {readonly records: number; readonly unsaved: readonly string[]}) | null;
	/** After the end: why the final compaction did not happen (the file is valid as it was). */
	readonly compactError: string | null;
}

function priceOf(model: string, options: RunOptions): Price | null {
	try {
		return priceFor(model, {in: options.priceIn, out: options.priceOut});
	} catch {
		return null;
	}
}

/**
 * Set up everything for a run; nothing is sent until `runner.run()`. Throws InputError
 * (`jobs[i]: ...`) for a job that cannot be sent, before anything else.
 */
export async function prepareRun(input: readonly BatchJob[] | JobInput, options: RunOptions = {}): Promise<PreparedRun> {
	const streamed = isJobInput(input) ? input : null;
	if (options.batchApi) {
		if (streamed) throw new TypeError('a Batch API run takes its jobs as an array');
		return (await import('./batch/prepareBatchRun.js')).prepareBatchRun(input as readonly BatchJob[], options);
	}
	// Anything but a stream is held to the array's rules (and a non-array refused with its message).
	const jobs = streamed ? null : jobSpecsFrom(input as readonly BatchJob[]);
	const all: JobInput = jobs ? {total: jobs.length, specs: () => jobs[Symbol.iterator]()} : (input as JobInput);
	const model = options.model ?? DEFAULTS.model;
	const style = options.style ? STYLES[options.style] : null;
	const instructions = [style?.instruction, options.instructions].filter(Boolean).join('\n') || undefined;
	const maxOutputTokens = options.maxOutputTokens ?? style?.maxOutputTokens ?? DEFAULTS.maxOutputTokens;

	// Long inputs: truncate up front (so the count and the record say so), or fail before sending.
	const limit = options.maxInputTokens;
	const truncate =
		limit != null && options.onLong === 'truncate'
			? (spec: JobSpec): JobSpec => {
					if (typeof spec.input !== 'string') return spec;
					// Cut so the whole estimate (instructions and overhead too) fits, as the fail check counts it.
					const cut = fitInputToTokens({text: spec.text, input: spec.input, instructions: spec.instructions ?? instructions}, limit, spec.model ?? model);
					return cut.truncated ? {...spec, input: cut.text, text: cut.text, inputTruncated: true} : spec;
				}
			: null;

	const outPath = options.out ?? null;
	// The input's ids in order, walked again at the end (a file is read again, not held).
	const order = () => idsOf(all);
	const results = outPath
		? new RunResults(outPath, order, {
				resume: options.resume,
				retryMs: options.retryWriteMs,
				fallbackDirs: options.fallbackDirs,
				fs: options.writerFs,
				onEvent: options.onResultsEvent,
			})
		: null;
	const done = results && options.resume ? results.done : null;
	let alreadyDone = 0;
	if (done && done.size > 0) for (const id of order()) if (done.has(id)) alreadyDone++;
	const summarize = options.maxInputTokens != null && options.onLong === 'summarize' ? {maxInputTokens: options.maxInputTokens, model: options.summaryModel} : null;
	const carried = results && summarize && results.condensed.size > 0 ? results.condensed : null;
	const prepare = (spec: JobSpec): JobSpec | null => {
		if (done?.has(spec.id)) return null;
		const cut = truncate ? truncate(spec) : spec;
		return carried ? withCondensed(cut, carried.get(cut.id), summarize!, model) : cut;
	};
	const stream = streamOf(all, prepare, alreadyDone);
	let specs: JobSpec[] | null = null;
	if (jobs) {
		specs = [];
		for (let spec = stream.next(); spec; spec = stream.next()) specs.push(spec);
	}
	const keepJobs = options.keepJobs !== false;

	const endpoint: Endpoint = options.endpoint ?? {kind: 'sim', profile: 'calm', seed: 1};
	let simulator: Simulator | null = null;
	let client = options.client;
	let endpointLabel: string;
	const store = options.store ?? createRunStore();
	const sink = options.sink ?? (keepJobs ? storeSink(store) : withoutJobs(storeSink(store)));
	const api = options.api ?? DEFAULTS.api;
	const onSwitch = (note: string) => {
		sink.runChanged({apiNote: note});
		options.onEvent?.({type: 'api', note, at: Date.now()});
	};
	if (endpoint.kind === 'sim') {
		// Loaded only for a simulated run: a run against an API has no use for the server.
		const {startSimulator} = await import('./sim/index.js');
		simulator = await startSimulator({...endpoint.options, profile: endpoint.profile, seed: endpoint.seed, port: 0});
		client ??= apiClient(api, {apiKey: 'sk-sim-local-key', baseURL: simulator.url}, onSwitch);
		endpointLabel = `simulator ${endpoint.profile} · seed ${endpoint.seed}`;
	} else {
		registerSecret(endpoint.apiKey);
		client ??= apiClient(api, {apiKey: endpoint.apiKey, baseURL: endpoint.baseURL}, onSwitch);
		endpointLabel = endpoint.baseURL ? new URL(endpoint.baseURL).host : 'api.openai.com';
	}

	const prices = new Map<string, Price | null>();
	const price = (m: string) => {
		if (!prices.has(m)) prices.set(m, priceOf(m, options));
		return prices.get(m)!;
	};
	const maxInput = options.maxInputTokens;
	const precheck =
		maxInput != null && (options.onLong ?? 'fail') === 'fail'
			? (spec: JobSpec, tokens: number): ErrorInfo | null =>
					tokens > maxInput
						? {
								kind: 'context_length',
								status: null,
								code: 'max_input_tokens',
								message: `not sent: the input is ${tokens} tokens, ${tokens - maxInput} over --max-input-tokens ${maxInput}`,
								retryable: false,
								retryAfterMs: null,
							}
						: null
			: undefined;

	const exactCount = (spec: JobSpec, m: string) => countInputTokens(api === 'chat' && !spec.api ? {...spec, api} : spec, m);
	// A job's count is read by token pacing, a budget, --max-input-tokens, and the jobs an
	// array run keeps; a run of a file with none of them (headless, or the dashboard's worker,
	// whose rows show the rough figure until usage replaces it) counts exactly only once the
	// server names a token limit (./core/countWhenNeeded.ts), and never loads the tokenizer
	// otherwise.
	const countsFromStart =
		keepJobs || options.limiter != null || options.tpm != null || options.budgetTokens != null || options.budgetUsd != null || options.maxInputTokens != null;
	const lazyCount = countsFromStart ? null : countWhenNeeded(new RateLimiter({rpm: options.rpm}), exactCount);

	const engine = new Engine(specs ?? stream, {
		keepJobs,
		client,
		model,
		maxOutputTokens,
		instructions,
		concurrency: options.concurrency,
		maxConcurrency: options.maxConcurrency,
		rpm: options.rpm,
		tpm: options.tpm,
		limiter: lazyCount?.limiter ?? options.limiter,
		maxRetries: options.maxRetries,
		backoff: {baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs},
		timeoutMs: options.timeoutMs,
		idleTimeoutMs: options.idleTimeoutMs,
		maxRetryWaitMs: options.maxRetryWaitMs,
		budget: {tokens: options.budgetTokens, usd: options.budgetUsd},
		precheck,
		...(summarize ? {condense: summarize} : {}),
		countInputTokens: lazyCount?.count ?? exactCount,
		// The live count while a reply streams is an estimate (about 4 characters a token) that
		// the API's usage replaces when the reply ends: tokenizing every flush was a hot path.
		costOf: (usage, m) => {
			const p = price(m);
			return p ? costUsd(usage, p) : null;
		},
		writer: results?.writer,
		retainOutput: options.retainOutput,
		sink,
		endpoint: endpointLabel,
		onEvent: options.onEvent,
	});

	results?.attach(engine, store);

	const closeNow = (): RunSummary => {
		const summary = engine.close();
		results?.afterClose();
		results?.release();
		return summary;
	};
	let finished: Promise<RunSummary> | null = null;
	return {
		runner: engine,
		store,
		outPath,
		alreadyDone,
		tornLine: results?.tornLine ?? null,
		merged: results?.merged ?? {files: [], records: 0},
		discarded: results?.discarded ?? [],
		simulator,
		endpointLabel,
		finish(finishOptions = {}) {
			finished ??= (async () => {
				const summary = engine.close();
				try {
					if (results && finishOptions.compact !== false) results.compact(order());
				} finally {
					closeNow();
					await simulator?.close();
				}
				return summary;
			})();
			return finished;
		},
		finishNow() {
			const summary = closeNow();
			void simulator?.close();
			return summary;
		},
		get fallback() {
			const saved = results?.writer.fallback;
			return saved ? {...saved, unsaved: results!.writer.unsaved()} : null;
		},
		get compactError() {
			return results?.compactError?.message ?? null;
		},
	};
}

function isJobInput(input: unknown): input is JobInput {
	return !Array.isArray(input) && typeof input === 'object' && input !== null && typeof (input as JobInput).total === 'number' && typeof (input as JobInput).specs === 'function';
}

/** A condensed input an earlier run made for the same input, limit and model goes out as it is (`--resume`). */
function withCondensed(spec: JobSpec, record: ResultRecord | undefined, summarize: {maxInputTokens: number; model?: string}, model: string): JobSpec {
	if (!record?.condensed_input || !record.summary_usage) return spec;
	if (record.condensed_from !== condensedFrom(spec.input, summarize.maxInputTokens, summarize.model ?? spec.model ?? model)) return spec;
	return {...spec, condensed: {input: record.condensed_input, usage: record.summary_usage}};
}

export interface BatchResult {
	readonly summary: RunSummary;
	readonly store: RunStore;
	readonly outPath: string | null;
	/** A fallback file holding the records `out` would not take (a full disk); null when all are in `out`. */
	readonly fallbackPath: string | null;
}

/**
 * Run a batch headless: the library's entry point. `jobs` takes what a prompts file
 * takes: prompt strings, job objects `{id?, prompt | input, context?, model?,
 * instructions?, max_output_tokens?, metadata?}` or Batch API lines. Throws InputError
 * before any request when one cannot be sent.
 */
export async function runBatch(jobs: readonly BatchJob[] | JobInput, options: RunOptions = {}): Promise<BatchResult> {
	const run = await prepareRun(jobs, options);
	try {
		await run.runner.run();
	} finally {
		await run.finish();
	}
	return {summary: run.runner.summary(), store: run.store, outPath: run.outPath, fallbackPath: run.fallback?.path ?? null};
}
