/**
 * Wiring a `--batch-api` run: the same prepared jobs a live run would send (defaults,
 * `--style`, instructions, `--max-input-tokens` truncation or refusal), the results file
 * and its resume, the simulator when asked, an SDK client for Files and Batches, and the
 * live engine `--then-live` hands the failures to. Returns what `prepareRun` returns, so
 * the CLI and the dashboard drive it the same way.
 */
import {sdkClient} from '../core/attemptGuard.js';
import {apiClient} from '../core/autoApiClient.js';
import {DEFAULTS} from '../core/defaults.js';
import {Engine} from '../core/engine.js';
import {requestFor} from '../core/jobRuntime.js';
import {jobSpecsFrom, type BatchJob} from '../core/jobArray.js';
import {costUsd, priceFor, type Price} from '../core/prices.js';
import type {RunSink} from '../core/runSink.js';
import {registerSecret} from '../core/secrets.js';
import {countInputTokens, fitInputToTokens} from '../core/tokens.js';
import type {ApiName, ErrorInfo, JobSpec} from '../core/types.js';
import {RunResults} from '../runResults.js';
import {STYLES, type PreparedRun, type RunOptions} from '../runBatch.js';
import type {Simulator} from '../sim/index.js';
import {createRunStore} from '../store/runStore.js';
import {storeSink} from '../store/storeSink.js';
import {BatchRunner} from './batchRunner.js';
import {stateToResume} from './runLayout.js';
import type {BatchJobRequest} from './requestLines.js';
import {statePathFor} from './stateFile.js';

/** What a job takes from the run when it says nothing itself: as `prepareRun` has it. */
function runDefaults(options: RunOptions): {model: string; instructions: string | undefined; maxOutputTokens: number} {
	const style = options.style ? STYLES[options.style] : null;
	return {
		model: options.model ?? DEFAULTS.model,
		instructions: [style?.instruction, options.instructions].filter(Boolean).join('\n') || undefined,
		maxOutputTokens: options.maxOutputTokens ?? style?.maxOutputTokens ?? DEFAULTS.maxOutputTokens,
	};
}

/** The jobs as a batch carries them: each request as the live engine would build it, and the API it goes to. */
export function batchJobRequests(specs: readonly JobSpec[], options: RunOptions): BatchJobRequest[] {
	const {model, instructions, maxOutputTokens} = runDefaults(options);
	// `auto` has no 404 to learn from in a batch: plain prompts go to Responses, chat Batch lines keep chat.
	const runApi: ApiName = options.api === 'chat' ? 'chat' : 'responses';
	return specs.map(original => {
		let spec = original;
		const jobModel = spec.model ?? model;
		if (options.maxInputTokens != null && options.onLong === 'truncate' && typeof spec.input === 'string') {
			const cut = fitInputToTokens({text: spec.text, input: spec.input, instructions: spec.instructions ?? instructions}, options.maxInputTokens, jobModel);
			if (cut.truncated) spec = {...spec, input: cut.text, text: cut.text, inputTruncated: true};
		}
		const api = spec.api ?? runApi;
		const request = requestFor(spec, {model, maxOutputTokens, instructions});
		const estimateIn = countInputTokens({...spec, instructions: request.instructions, api}, request.model);
		return {spec, request: {...request, api}, api, estimateIn};
	});
}

export async function prepareBatchRun(input: readonly BatchJob[], options: RunOptions): Promise<PreparedRun> {
	if (options.onLong === 'summarize') throw new Error('--on-long summarize condenses by live calls and cannot go with --batch-api (use --on-long truncate or fail)');
	const specs = jobSpecsFrom(input);
	const jobs = batchJobRequests(specs, options);
	const outPath = options.out ?? null;
	const order = specs.map(spec => spec.id);
	const statePath = outPath ? statePathFor(outPath) : null;
	// Before --out is opened (a new run replaces it): batches still out without --resume, or another input, is a usage error.
	await stateToResume(statePath, Boolean(options.resume), jobs, (options.endpoint ?? {kind: 'sim'}).kind === 'sim');
	const results = outPath
		? new RunResults(outPath, order, {resume: options.resume, retryMs: options.retryWriteMs, fallbackDirs: options.fallbackDirs, fs: options.writerFs, onEvent: options.onResultsEvent})
		: null;
	const done = results && options.resume ? results.done : new Set<string>();

	const endpoint = options.endpoint ?? {kind: 'sim', profile: 'calm', seed: 1};
	let simulator: Simulator | null = null;
	let connection: {apiKey: string; baseURL?: string};
	let endpointLabel: string;
	if (endpoint.kind === 'sim') {
		const {startSimulator} = await import('../sim/index.js');
		simulator = await startSimulator({...endpoint.options, profile: endpoint.profile, seed: endpoint.seed, port: 0});
		connection = {apiKey: 'sk-sim-local-key', baseURL: simulator.url};
		endpointLabel = `simulator ${endpoint.profile} · seed ${endpoint.seed} · Batch API`;
	} else {
		registerSecret(endpoint.apiKey);
		connection = {apiKey: endpoint.apiKey, baseURL: endpoint.baseURL};
		endpointLabel = `${endpoint.baseURL ? new URL(endpoint.baseURL).host : 'api.openai.com'} · Batch API`;
	}
	const host = endpoint.kind === 'sim' ? `simulator ${endpoint.profile} seed ${endpoint.seed}` : endpoint.baseURL ? new URL(endpoint.baseURL).host : 'api.openai.com';

	const prices = new Map<string, Price | null>();
	const price = (m: string): Price | null => {
		if (!prices.has(m)) {
			try {
				prices.set(m, priceFor(m, {in: options.priceIn, out: options.priceOut}));
			} catch {
				prices.set(m, null);
			}
		}
		return prices.get(m)!;
	};
	const maxInput = options.maxInputTokens;
	const precheck =
		maxInput != null && (options.onLong ?? 'fail') === 'fail'
			? (job: BatchJobRequest): ErrorInfo | null =>
					job.estimateIn > maxInput
						? {kind: 'context_length', status: null, code: 'max_input_tokens', message: `not sent: the input is ${job.estimateIn} tokens, ${job.estimateIn - maxInput} over --max-input-tokens ${maxInput}`, retryable: false, retryAfterMs: null}
						: null
			: undefined;

	const store = options.store ?? createRunStore();
	const sink = storeSink(store);
	const runner = new BatchRunner({
		openai: sdkClient(connection),
		jobs,
		done,
		statePath,
		resume: options.resume,
		identity: {model: options.model ?? DEFAULTS.model, api: options.api ?? DEFAULTS.api, host},
		writer: results?.writer,
		sink,
		limits: options.batchLimits,
		poll: options.batchPoll,
		maxRetries: options.maxRetries,
		backoff: {baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs},
		budget: {usd: options.budgetUsd, tokens: options.budgetTokens},
		price,
		precheck,
		...(options.thenLive
			? {
					thenLive: (failed, onRecord, budgetLeft) =>
						new Engine(failed, {
							client: apiClient(options.api ?? DEFAULTS.api, connection),
							...runDefaults(options),
							concurrency: options.concurrency,
							maxConcurrency: options.maxConcurrency,
							rpm: options.rpm,
							tpm: options.tpm,
							maxRetries: options.maxRetries,
							backoff: {baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs},
							timeoutMs: options.timeoutMs,
							idleTimeoutMs: options.idleTimeoutMs,
							maxRetryWaitMs: options.maxRetryWaitMs,
							budget: budgetLeft,
							countInputTokens: (spec, m) => countInputTokens(options.api === 'chat' && !spec.api ? {...spec, api: 'chat'} : spec, m),
							costOf: (usage, m) => {
								const p = price(m);
								return p ? costUsd(usage, p) : null;
							},
							// No writer: each record reaches --out once, through the batch runner (onRecord).
							retainOutput: options.retainOutput,
							sink: liveSink(sink),
							onEvent: event => {
								if (event.type === 'finished') onRecord(event.record);
								else options.onEvent?.(event);
							},
						}),
				}
			: {}),
		// The run's store always holds the rows (the dashboard draws them); a caller's listener hears them too.
		onBatches: rows => {
			store.getState().setBatches(rows);
			options.onBatches?.(rows);
		},
		onNotice: options.onNotice,
		onEvent: options.onEvent,
		afterStep: options.batchAfterStep,
		endpoint: endpointLabel,
	});
	results?.attach(runner, store);

	const closeNow = () => {
		const summary = runner.close();
		results?.afterClose();
		results?.release();
		return summary;
	};
	let finished: Promise<ReturnType<typeof closeNow>> | null = null;
	return {
		runner,
		batch: runner,
		store,
		outPath,
		alreadyDone: specs.filter(spec => done.has(spec.id)).length,
		tornLine: results?.tornLine ?? null,
		merged: results?.merged ?? {files: [], records: 0},
		discarded: results?.discarded ?? [],
		simulator,
		endpointLabel,
		finish(finishOptions = {}) {
			finished ??= (async () => {
				const summary = runner.close();
				try {
					if (results && finishOptions.compact !== false) results.compact(order);
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

/**
 * The live engine's sink inside a batch run: its jobs are the batch run's already (no
 * second `jobsAdded`), and the run's totals, budget and phase are the batch runner's to tell.
 */
function liveSink(sink: RunSink): RunSink {
	return {
		jobsAdded() {},
		jobChanged: (id, change) => sink.jobChanged(id, change),
		outputAppended: (id, text, tokens) => sink.outputAppended(id, text, tokens),
		totalsChanged() {},
		rateChanged: rate => sink.rateChanged(rate),
		budgetChanged() {},
		runChanged() {},
	};
}
