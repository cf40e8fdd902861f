#!/usr/bin/env node
/**
 * pacer's command line: argument parsing and wiring. The only file that reads
 * process.argv and process.env. Heavy modules load inside the commands so that
 * `pacer --help` starts fast.
 */
import {DEFAULTS} from './core/defaults.js';
import {EXIT} from './exitCodes.js';
import {readFileSync, rmSync} from 'node:fs';
import {Command, InvalidArgumentError, Option} from 'commander';
import type {CastWriter} from './core/cast.js';
import type {RunSummary} from './core/engine.js';
import {redactSecrets, registerSecret} from './core/secrets.js';
import type {JobSpec} from './core/types.js';
import type {RunOptions, Endpoint, PreparedRun, Style} from './runBatch.js';
import type {RunStore} from './store/runStore.js';
import type {SimProfileName, SimulatorOptions} from './sim/index.js';
import {NO_FAULTS} from './sim/profiles.js';
import {isMainThread} from 'node:worker_threads';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string}).version;
const PROFILES: readonly SimProfileName[] = ['calm', 'flaky', 'storm', 'chaos'];
/** The exit status of a bug in pacer. */
/** After a first signal: requests in flight may finish this long, then they are aborted. */
const GRACE_MS = 3000;
/** After a first signal the process is gone by then, whatever the requests or the disk do. */
const SIGNAL_DEADLINE_MS = 4500;
/** After a second signal. */
const SECOND_SIGNAL_DEADLINE_MS = 1000;

/** Thrown for a usage error: printed as one line, exit 2, nothing sent. */
class UsageError extends Error {
	override readonly name = 'UsageError';
}

function int(min: number) {
	return (value: string): number => {
		const n = Number(value);
		if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
		return n;
	};
}

/** `--concurrency`: a whole number of requests, or `auto`. */
function concurrency(value: string): number | 'auto' {
	const text = value.trim();
	if (text.toLowerCase() === 'auto') return 'auto';
	const n = Number(text);
	if (!/^\d+$/.test(text) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1 (a ceiling on requests in flight) or auto');
	return n;
}

function positive(value: string): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0');
	return n;
}

function nonNegative(value: string): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0');
	return n;
}

interface RunFlags {
	out?: string;
	model: string;
	api: 'responses' | 'chat' | 'auto';
	maxOutputTokens?: number;
	instructions?: string;
	instructionsFile?: string;
	style?: Style;
	concurrency: number | 'auto';
	maxConcurrency: number;
	rpm?: number;
	tpm?: number;
	maxRetries: number;
	backoffBase: number;
	backoffMax: number;
	timeout: number;
	idleTimeout: number;
	maxRetryWait: number;
	budgetTokens?: number;
	budgetUsd?: number;
	maxInputTokens?: number;
	onLong: 'fail' | 'truncate' | 'summarize';
	summaryModel?: string;
	priceIn?: number;
	priceOut?: number;
	resume?: boolean;
	tui: boolean;
	json?: boolean;
	record?: string;
	baseUrl?: string;
	apiKeyFile?: string;
	sim?: string | boolean;
	seed: number;
	simLatencyScale?: number;
	simRpm?: number;
	simTpm?: number;
	simFaults?: SimulatorOptions['faults'];
	simBatchTimeScale?: number;
	simBatchExpireAfter?: number;
	exitWhenDone?: boolean;
	redis?: string;
	limitScope?: string;
	queue?: string;
	lease: number;
	batchApi?: boolean;
	thenLive?: boolean;
}

/** `rateLimit=0.2,badRequest=0.05` -> fault rates; names as in the simulator's profiles. */
function faultRates(value: string, previous: SimulatorOptions['faults'] = {}): NonNullable<SimulatorOptions['faults']> {
	const rates: Record<string, number> = {...previous};
	for (const part of value.split(',').map(p => p.trim()).filter(Boolean)) {
		const [name, rate, extra] = part.split('=');
		if (!name || !(name in NO_FAULTS)) throw new InvalidArgumentError(`unknown fault "${name}" (choose ${Object.keys(NO_FAULTS).join(', ')})`);
		const n = Number(rate);
		if (extra !== undefined || rate === undefined || rate.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${name}: expected a rate between 0 and 1 (${name}=0.1)`);
		rates[name] = n;
	}
	return rates;
}

function readKeyFile(file: string): string {
	try {
		const key = readFileSync(file, 'utf8').trim();
		if (!key) throw new UsageError(`${file}: the API key file is empty`);
		return key;
	} catch (error) {
		if (error instanceof UsageError) throw error;
		throw new UsageError(`${file}: cannot read the API key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
	}
}

/** Decide where requests go: the simulator, or an API with a key from the environment. */
function endpointFrom(flags: RunFlags, notice: (line: string) => void): Endpoint {
	const profile = flags.sim === undefined || flags.sim === false ? undefined : flags.sim === true ? 'calm' : flags.sim;
	const options: SimulatorOptions = {
		latencyScale: flags.simLatencyScale,
		rpm: flags.simRpm,
		tpm: flags.simTpm,
		faults: flags.simFaults,
		batchTimeScale: flags.simBatchTimeScale,
		batchExpireAfter: flags.simBatchExpireAfter,
	};
	if (profile !== undefined) {
		if (!PROFILES.includes(profile as SimProfileName)) {
			throw new UsageError(`--sim: unknown profile "${profile}" (choose ${PROFILES.join(', ')})`);
		}
		return {kind: 'sim', profile: profile as SimProfileName, seed: flags.seed, options};
	}
	const baseURL = flags.baseUrl ?? process.env.OPENAI_BASE_URL;
	const apiKey = flags.apiKeyFile ? readKeyFile(flags.apiKeyFile) : process.env.OPENAI_API_KEY;
	if (!apiKey && !baseURL) {
		notice('pacer: no OPENAI_API_KEY and no --base-url: using the built-in simulator (calm profile)');
		return {kind: 'sim', profile: 'calm', seed: flags.seed, options};
	}
	const simFlag = flags.simLatencyScale != null ? '--sim-latency-scale' : flags.simRpm != null ? '--sim-rpm' : flags.simTpm != null ? '--sim-tpm' : flags.simFaults ? '--sim-faults' : flags.simBatchTimeScale != null ? '--sim-batch-time-scale' : flags.simBatchExpireAfter != null ? '--sim-batch-expire-after' : null;
	if (simFlag) throw new UsageError(`${simFlag} tunes the built-in simulator: add --sim`);
	// Compatible local servers often need no key; the SDK still wants a string.
	return {kind: 'api', apiKey: apiKey || 'no-key', baseURL};
}

/** The prompts of a file (or `-`); bad input becomes a usage error (exit 2, nothing sent). */
async function readPrompts(file: string) {
	const {readJobs, InputError} = await import('./core/input.js');
	try {
		return await readJobs(file, {stdin: process.stdin});
	} catch (error) {
		if (error instanceof InputError) throw new UsageError(error.detail);
		throw error;
	}
}

/**
 * A headless live run's prompts: a file is checked line by line now and read again as the
 * run goes (memory does not grow with it); stdin, which cannot be read twice, is read whole.
 */
async function streamPrompts(file: string) {
	if (file === '-') return readPrompts(file);
	const {openJobFile} = await import('./core/jobFile.js');
	const {InputError} = await import('./core/inputError.js');
	try {
		return openJobFile(file);
	} catch (error) {
		if (error instanceof InputError) throw new UsageError(error.detail);
		throw error;
	}
}

function defaultOut(input: string): string {
	return input === '-' ? 'pacer-results.jsonl' : `${input}.results.jsonl`;
}

/**
 * A live run of one process, not resuming, is drawn before it is prepared: its first frame
 * is the input's jobs, queued, as the prepared run shows them. A resumed run shows fewer
 * (what succeeded is not run again), a Batch API run its batches, a shared limiter or
 * queue waits for Redis: those are drawn once ready.
 */
function drawsFirst(flags: RunFlags): boolean {
	return !flags.resume && !flags.batchApi && flags.queue == null && !(flags.redis ?? process.env.PACER_REDIS_URL);
}

/** The header's endpoint before the run is ready, as prepareRun names it. */
function previewEndpoint(endpoint: Endpoint): string {
	if (endpoint.kind === 'sim') return `simulator ${endpoint.profile} · seed ${endpoint.seed}`;
	try {
		return endpoint.baseURL ? new URL(endpoint.baseURL).host : 'api.openai.com';
	} catch {
		// prepareRun says what is wrong with it.
		return '';
	}
}

async function runCommand(input: string, flags: RunFlags): Promise<number> {
	const useTui = flags.tui && Boolean(process.stdout.isTTY) && !flags.json;
	// A headless live run of a file runs in a worker with a small young generation
	// (./headlessWorker.ts: ~60 MB less at its peak). Stdin cannot be handed to it.
	if (!useTui && flags.queue == null && !flags.batchApi && input !== '-' && isMainThread) {
		const {runInWorker} = await import('./headlessWorker.js');
		return runInWorker(new URL(import.meta.url), process.argv.slice(2));
	}
	if (useTui) {
		// React's development build is several times slower: load the production one. (The
		// bundled dist/cli.js has it fixed at build time, scripts/bundle.mjs; this is for the unbundled one.)
		const env = process.env;
		env.NODE_ENV ??= 'production';
	}
	// Ink and React take a few hundred ms to load: start now, alongside reading the input and preparing the run.
	const dashboard = useTui ? import('./components/runDashboard.js') : null;
	dashboard?.catch(() => {});
	const log = (line: string) => (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
	if (flags.onLong === 'summarize' && flags.maxInputTokens == null) throw new UsageError('--on-long summarize needs --max-input-tokens N (the limit inputs are condensed under)');
	if (flags.summaryModel != null && flags.onLong !== 'summarize') throw new UsageError('--summary-model goes with --on-long summarize');

	let instructions = flags.instructions;
	if (flags.instructionsFile) {
		try {
			instructions = [instructions, readFileSync(flags.instructionsFile, 'utf8').trim()].filter(Boolean).join('\n');
		} catch (error) {
			throw new UsageError(`${flags.instructionsFile}: cannot read the instructions file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
		}
	}
	if (flags.batchApi) {
		if (flags.queue != null) throw new UsageError('--batch-api sends the file to the provider\'s Batch API; it cannot go with --queue');
		if (flags.onLong === 'summarize') throw new UsageError('--on-long summarize condenses by live calls: it cannot go with --batch-api (use --on-long truncate or fail)');
	} else if (flags.thenLive) throw new UsageError('--then-live goes with --batch-api (it runs live what failed or expired in a batch)');
	const endpoint = endpointFrom(flags, line => process.stderr.write(`${line}\n`));

	// A live run streams its file (headless, and on the dashboard with its engine in a worker
	// thread); a queue, the Batch API and a dashboard run prepared on this thread take the jobs whole.
	const inWorker = useTui && drawsFirst(flags);
	const streaming = (!useTui || inWorker) && flags.queue == null && !flags.batchApi;
	const jobs = streaming ? await streamPrompts(input) : await readPrompts(input);
	if (flags.queue != null) return queueRun(jobs as Awaited<ReturnType<typeof readPrompts>>, flags, endpoint, instructions, input, log, dashboard);
	const shared = await sharedLimiterFrom(flags, endpoint, log);

	const {formatEvent, formatResultsEvent, formatSummary, exitCodeFor, fallbackReport} = await import('./headless.js');
	let startedAt = Date.now();
	// The dashboard draws the batches from the store; headless, each change of status is a line.
	const batchLines = flags.batchApi && !useTui ? (await import('./batch/statusLines.js')).statusChangePrinter(line => log(`pacer: ${line}`)) : undefined;
	const options: RunOptions = {
		...(flags.batchApi ? {batchApi: true, thenLive: flags.thenLive, onBatches: batchLines, onNotice: useTui ? undefined : (line: string) => log(`pacer: ${line}`)} : {}),
		out: flags.out ?? defaultOut(input),
		resume: flags.resume,
		model: flags.model,
		api: flags.api,
		maxOutputTokens: flags.maxOutputTokens,
		instructions,
		style: flags.style,
		concurrency: flags.concurrency,
		maxConcurrency: flags.maxConcurrency,
		rpm: flags.rpm,
		tpm: flags.tpm,
		maxRetries: flags.maxRetries,
		backoffBaseMs: flags.backoffBase,
		backoffMaxMs: flags.backoffMax,
		timeoutMs: flags.timeout * 1000,
		idleTimeoutMs: flags.idleTimeout * 1000,
		maxRetryWaitMs: flags.maxRetryWait * 1000,
		budgetTokens: flags.budgetTokens,
		budgetUsd: flags.budgetUsd,
		maxInputTokens: flags.maxInputTokens,
		onLong: flags.onLong,
		summaryModel: flags.summaryModel,
		priceIn: flags.priceIn,
		priceOut: flags.priceOut,
		endpoint,
		limiter: shared?.limiter,
		// Headless, the replies are in the results file; keeping 100,000 of them in memory too helps nobody.
		retainOutput: useTui,
		// Nor the jobs themselves: headless, a job that ended well is only its record.
		keepJobs: useTui,
		onEvent: useTui
			? undefined
			: event => {
					const line = formatEvent(event, startedAt);
					if (line) log(line);
				},
		// The dashboard shows these from the store; headless, each is one line (none per prompt).
		onResultsEvent: useTui
			? undefined
			: event => {
					const line = formatResultsEvent(event, startedAt);
					if (line) log(line);
				},
	};
	const cast = flags.record ? await openRecording(flags.record, useTui, input, endpoint) : undefined;
	/** A run that could not be prepared: no recording of it left behind, and the file's problem a usage error. */
	const notPrepared = async (error: unknown): Promise<never> => {
		if (cast) {
			cast.close();
			rmSync(cast.path, {force: true});
		}
		await shared?.close();
		const name = (error as Error)?.name;
		if (name === 'ResultsFileError' || name === 'StateFileError') throw new UsageError((error as Error).message);
		throw error;
	};
	/** What preparing found on disk, for a person to hear. */
	const sayPrepared = (prepared: Pick<PreparedRun, 'tornLine' | 'outPath' | 'discarded' | 'merged' | 'alreadyDone' | 'endpointLabel'>, say: (line: string) => void) => {
		if (prepared.tornLine != null) say(`pacer: ${prepared.outPath}:${prepared.tornLine}: ignored a torn last line (an earlier run was cut off)`);
		if (prepared.discarded.length > 0) {
			say(`pacer: a new run replaces ${prepared.outPath}: removed the fallback file(s) of an earlier run with it (${prepared.discarded.join(', ')}); --resume would have merged them`);
		}
		if (prepared.merged.files.length > 0) {
			say(`pacer: resuming: merged ${prepared.merged.records} result(s) from ${prepared.merged.files.join(', ')} into ${prepared.outPath}`);
		}
		if (prepared.alreadyDone > 0) say(`pacer: resuming: ${prepared.alreadyDone} prompt(s) already succeeded in ${prepared.outPath}`);
		if (endpoint.kind === 'sim' && !useTui) say(`pacer: using the built-in simulator (${prepared.endpointLabel})`);
	};
	const prepare = async (say: (line: string) => void) => {
		// Loaded here: the dashboard's first frame needs neither the engine nor the SDK.
		const {prepareRun} = await import('./runBatch.js');
		let prepared;
		try {
			prepared = await prepareRun(jobs, options);
		} catch (error) {
			return notPrepared(error);
		}
		if (shared) prepared.finish = closingAfter(prepared.finish, shared.close);
		sayPrepared(prepared, say);
		return prepared;
	};
	/** The dashboard's run with its engine in a worker thread, its news landing in the dashboard's `store`. */
	const prepareInWorker = async (store: RunStore, say: (line: string) => void) => {
		const {startRemoteRun} = await import('./worker/remoteRun.js');
		if (endpoint.kind === 'api') registerSecret(endpoint.apiKey);
		// Nothing that cannot cross a thread: headless callbacks are off here, and a shared limiter or the Batch API never come this way.
		const {onEvent: _onEvent, onResultsEvent: _onResultsEvent, limiter: _limiter, keepJobs: _keepJobs, endpoint: _endpoint, batchApi: _batchApi, onBatches: _onBatches, onNotice: _onNotice, ...portable} = options;
		let prepared;
		try {
			prepared = await startRemoteRun({
				// Beside this file both as tsc writes dist/ and as scripts/bundle.mjs bundles it.
				entry: new URL('./worker/engineWorker.js', import.meta.url),
				store,
				start: {input: Array.isArray(jobs) ? {jobs} : {file: input}, options: portable, endpoint, rowsShown: {model: flags.model}},
			});
		} catch (error) {
			return notPrepared(error);
		}
		sayPrepared(prepared, say);
		return prepared;
	};

	if (useTui && drawsFirst(flags)) {
		// The table of queued jobs is drawn before the run is prepared (the results file,
		// the SDK, counting every prompt's tokens); what preparing has to say is printed
		// after the dashboard, which holds the screen meanwhile.
		const {runDashboard} = await dashboard!;
		// The file is read a chunk at a time into the table's rows, never held whole (stdin is, read once).
		const previewJobs: Iterable<JobSpec> = Array.isArray(jobs) ? jobs : {[Symbol.iterator]: () => jobs.specs()};
		const said: string[] = [];
		try {
			return await runDashboard(
				{
					preview: {jobs: previewJobs, model: flags.model, endpoint: previewEndpoint(endpoint), concurrency: flags.concurrency, maxConcurrency: flags.maxConcurrency},
					prepare: store => prepareInWorker(store, line => said.push(line)),
				},
				{exitWhenDone: Boolean(flags.exitWhenDone), record: cast, colour: !process.env.NO_COLOR},
			);
		} finally {
			for (const line of said) log(line);
		}
	}
	const run = await prepare(log);
	if (useTui) {
		const {runDashboard} = await dashboard!;
		return runDashboard(run, {exitWhenDone: Boolean(flags.exitWhenDone), record: cast, colour: !process.env.NO_COLOR});
	}

	// Signals: the first stops dispatching and lets in-flight requests finish for a short
	// grace period; the second aborts them at once. Every record is on disk (or in a
	// fallback file) either way, and a deadline ends the process whatever the disk does.
	let signals = 0;
	let exitCode: number | null = null;
	const report = (summary: RunSummary): number => {
		if (flags.json) {
			process.stdout.write(`${JSON.stringify({...summary, alreadyDone: run.alreadyDone, out: run.outPath, fallback: run.fallback?.path ?? null})}\n`);
		} else {
			log(formatSummary(summary, {outPath: run.outPath, alreadyDone: run.alreadyDone}));
		}
		const saved = fallbackReport(run);
		for (const line of saved.lines) process.stderr.write(`${line}\n`);
		return saved.exitCode ?? exitCode ?? exitCodeFor(summary);
	};
	let deadline: NodeJS.Timeout | null = null;
	const leaveBy = (ms: number) => {
		if (deadline) clearTimeout(deadline);
		deadline = setTimeout(() => {
			process.stderr.write('pacer: requests did not settle in time: leaving now\n');
			process.exit(report(run.finishNow()));
		}, ms);
		deadline.unref();
	};
	const onSignal = (signal: NodeJS.Signals) => {
		signals++;
		exitCode = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
		if (run.batch) {
			// Nothing is in flight on this side: the batches go on at the provider.
			if (signals === 1 && endpoint.kind === 'sim') log(`pacer: ${signal}: stopping; the built-in simulator ends with pacer, and its batches with it: run again to send the file again`);
			else if (signals === 1) log(`pacer: ${signal}: detaching; the batches go on at the provider. Re-attach with: pacer run ${input} --batch-api --resume${flags.out ? ` --out ${flags.out}` : ''}`);
			run.batch.detach();
			leaveBy(signals === 1 ? SIGNAL_DEADLINE_MS : SECOND_SIGNAL_DEADLINE_MS);
			return;
		}
		if (signals === 1) {
			log(`pacer: ${signal}: stopping; in-flight requests get ${GRACE_MS / 1000}s to finish (again to abort now)`);
			void run.runner.stop({reason: `interrupted (${signal})`});
			setTimeout(() => void run.runner.stop({abort: true, reason: `interrupted (${signal})`}), GRACE_MS).unref();
			leaveBy(SIGNAL_DEADLINE_MS);
		} else {
			void run.runner.stop({abort: true, reason: `interrupted (${signal})`});
			leaveBy(SECOND_SIGNAL_DEADLINE_MS);
		}
	};
	const onFatal = (error: unknown) => {
		process.stderr.write(`pacer: unexpected error (a bug in pacer): ${redactSecrets(String((error as Error)?.stack ?? error))}\n`);
		report(run.finishNow());
		process.exit(EXIT.unexpected);
	};
	const handlers: Array<[string, (...args: any[]) => void]> = [
		['SIGINT', onSignal],
		['SIGTERM', onSignal],
		['uncaughtException', onFatal],
		['unhandledRejection', onFatal],
	];
	for (const [event, handler] of handlers) process.on(event, handler);
	stalled = () => report(run.finishNow());
	startedAt = Date.now();
	try {
		await run.runner.run();
		return report(await run.finish());
	} finally {
		stalled = null;
		if (deadline) clearTimeout(deadline);
		for (const [event, handler] of handlers) process.off(event, handler);
	}
}

/** `--limit-scope`, else the endpoint's host and a hash of its key (never the key). */
async function limitScopeFor(flags: RunFlags, endpoint: Endpoint): Promise<string> {
	if (flags.limitScope) return flags.limitScope;
	const {defaultLimitScope} = await import('./redis/redisLimiter.js');
	return endpoint.kind === 'api' ? defaultLimitScope(endpoint.baseURL, endpoint.apiKey) : `simulator/${endpoint.profile}/${endpoint.seed}`;
}

/** What a batch on a shared queue needs from the flags of `run` and `worker`. */
async function queueSettings(flags: RunFlags & {queue?: string}, endpoint: Endpoint, log: (line: string) => void) {
	const redisUrl = flags.redis ?? process.env.PACER_REDIS_URL;
	if (!redisUrl) throw new UsageError('--queue names a queue shared through Redis: add --redis URL (or set PACER_REDIS_URL)');
	const {checkQueueName} = await import('./redis/queueJobs.js');
	const problem = checkQueueName(flags.queue ?? '');
	if (problem) throw new UsageError(problem);
	return {
		redisUrl,
		queue: flags.queue!,
		scope: await limitScopeFor(flags, endpoint),
		api: flags.api,
		endpoint,
		rpm: flags.rpm,
		tpm: flags.tpm,
		concurrency: flags.concurrency === 'auto' ? 8 : flags.concurrency,
		leaseMs: flags.lease * 1000,
		retry: {
			maxRetries: flags.maxRetries,
			backoffBaseMs: flags.backoffBase,
			backoffMaxMs: flags.backoffMax,
			timeoutMs: flags.timeout * 1000,
			idleTimeoutMs: flags.idleTimeout * 1000,
			maxRetryWaitMs: flags.maxRetryWait * 1000,
		},
		log,
	};
}

/** Turn a Redis that cannot be reached, or a results file that cannot be opened, into a usage error (nothing sent). */
async function asUsageErrors<T>(work: () => Promise<T>): Promise<T> {
	const {RedisUnreachableError} = await import('./redis/connection.js');
	const {ResultsFileError} = await import('./core/results.js');
	try {
		return await work();
	} catch (error) {
		if (error instanceof RedisUnreachableError || error instanceof ResultsFileError) throw new UsageError(error.message);
		throw error;
	}
}

/** `run --queue`: this process is the collector: the dashboard on a TTY (with the cluster panel), plain lines otherwise. */
async function queueRun(
	jobs: Awaited<ReturnType<typeof readPrompts>>,
	flags: RunFlags,
	endpoint: Endpoint,
	instructions: string | undefined,
	input: string,
	log: (line: string) => void,
	dashboard: Promise<typeof import('./components/runDashboard.js')> | null,
): Promise<number> {
	// On the dashboard, what the connection says goes to the cluster panel, and is printed after.
	const said: string[] = [];
	let store: import('./store/runStore.js').RunStore | null = null;
	const queueLog = dashboard
		? (line: string) => {
				said.push(line);
				if (/lost Redis|Redis at .* is back/.test(line)) store?.getState().setCluster({note: line.replace(/^pacer: /, '')});
			}
		: log;
	const settings = await queueSettings(flags, endpoint, queueLog);
	const {collectOnQueue, openCollector} = await import('./redis/queueCommands.js');
	const {STYLES} = await import('./runBatch.js');
	const style = flags.style ? STYLES[flags.style] : null;
	const batch = {
		model: flags.model,
		maxOutputTokens: flags.maxOutputTokens ?? style?.maxOutputTokens ?? DEFAULTS.maxOutputTokens,
		instructions: [style?.instruction, instructions].filter(Boolean).join('\n') || undefined,
	};
	const collect = {...settings, out: flags.out ?? defaultOut(input), resume: Boolean(flags.resume), batch, json: Boolean(flags.json)};
	if (!dashboard) return asUsageErrors(() => collectOnQueue(jobs, collect));
	const {createRunStore} = await import('./store/runStore.js');
	const {storeSink} = await import('./store/storeSink.js');
	const runStore = createRunStore();
	runStore.getState().setRate({concurrency: settings.concurrency, concurrencyMode: 'fixed'});
	store = runStore;
	runStore.getState().setCluster({});
	const collector = await asUsageErrors(() =>
		openCollector(jobs, collect, {sink: storeSink(runStore), onClusterFigures: figures => runStore.getState().setCluster({figures})}),
	);
	const {runDashboard} = await dashboard;
	const cast = flags.record ? await openRecording(flags.record, true, input, endpoint) : undefined;
	try {
		return await runDashboard({...collector, store: runStore}, {exitWhenDone: Boolean(flags.exitWhenDone), record: cast, colour: !process.env.NO_COLOR});
	} finally {
		for (const line of said) process.stderr.write(`${line}\n`);
	}
}

async function workerCommand(flags: RunFlags): Promise<number> {
	const log = (line: string) => process.stdout.write(`${line}\n`);
	const endpoint = endpointFrom(flags, line => process.stderr.write(`${line}\n`));
	const settings = await queueSettings(flags, endpoint, log);
	const {workOnQueue} = await import('./redis/queueCommands.js');
	return asUsageErrors(() => workOnQueue(settings));
}

/** `--redis` (else PACER_REDIS_URL): the limiter every process of the scope shares; checked before anything is sent. */
async function sharedLimiterFrom(flags: RunFlags, endpoint: Endpoint, log: (line: string) => void) {
	const url = flags.redis ?? process.env.PACER_REDIS_URL;
	if (!url) {
		if (flags.limitScope) throw new UsageError('--limit-scope names a budget shared through Redis: add --redis URL');
		return null;
	}
	const {openSharedLimiter} = await import('./redis/sharedLimiter.js');
	const {RedisUnreachableError} = await import('./redis/connection.js');
	const scope = await limitScopeFor(flags, endpoint);
	try {
		return await openSharedLimiter({url, scope, rpm: flags.rpm, tpm: flags.tpm, log});
	} catch (error) {
		if (error instanceof RedisUnreachableError) throw new UsageError(error.message);
		throw error;
	}
}

function closingAfter<T>(finish: (options?: {compact?: boolean}) => Promise<T>, close: () => Promise<void>) {
	return async (options?: {compact?: boolean}): Promise<T> => {
		try {
			return await finish(options);
		} finally {
			await close();
		}
	};
}

/** `--record`: the asciicast is opened before the run starts, so a path that cannot be written is a usage error. */
async function openRecording(file: string, useTui: boolean, input: string, endpoint: Endpoint): Promise<CastWriter | undefined> {
	if (!useTui) {
		process.stderr.write(`pacer: --record records the dashboard, which is off here (--no-tui, --json or not a terminal): ${file} not written\n`);
		return undefined;
	}
	const {CastWriter} = await import('./core/cast.js');
	try {
		return new CastWriter(file, {
			width: process.stdout.columns || 80,
			height: process.stdout.rows || 24,
			title: `pacer run ${input}${endpoint.kind === 'sim' ? ` (simulator ${endpoint.profile}, seed ${endpoint.seed})` : ''}`,
			// Only what a player needs: the rest of the environment may hold secrets.
			env: {TERM: process.env.TERM, SHELL: process.env.SHELL},
		});
	} catch (error) {
		throw new UsageError(`--record: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
	}
}

async function simCommand(flags: {port: number; profile: string; seed: number; rpm?: number; tpm?: number; latencyScale: number; noHeaders?: boolean; headers: boolean; chatOnly?: boolean}): Promise<number> {
	if (!PROFILES.includes(flags.profile as SimProfileName)) {
		throw new UsageError(`--profile: unknown profile "${flags.profile}" (choose ${PROFILES.join(', ')})`);
	}
	const {startSimulator} = await import('./sim/index.js');
	const sim = await startSimulator({
		port: flags.port,
		profile: flags.profile as SimProfileName,
		seed: flags.seed,
		rpm: flags.rpm,
		tpm: flags.tpm,
		latencyScale: flags.latencyScale,
		rateLimitHeaders: flags.headers,
		apis: flags.chatOnly ? ['chat'] : ['responses', 'chat'],
	});
	const serves = flags.chatOnly ? 'Chat Completions only' : 'Responses and Chat Completions';
	process.stdout.write(`pacer sim: ${flags.profile} profile, seed ${flags.seed}, ${serves}, listening on ${sim.url} (Ctrl+C to stop)\n`);
	await new Promise<void>(resolve => {
		const stop = () => resolve();
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
	await sim.close();
	return 0;
}

async function countCommand(
	file: string,
	flags: {model: string; api: 'responses' | 'chat'; maxOutputTokens: number; maxInputTokens?: number; onLong?: 'fail' | 'summarize'; summaryModel?: string; instructions?: string; json?: boolean; priceIn?: number; priceOut?: number; batchApi?: boolean},
): Promise<number> {
	const jobs = await readPrompts(file);
	const {countReport} = await import('./core/count.js');
	const {formatCountReport} = await import('./countReport.js');
	const report = countReport(jobs, {
		model: flags.model,
		api: flags.api,
		maxOutputTokens: flags.maxOutputTokens,
		maxInputTokens: flags.maxInputTokens,
		...(flags.onLong === 'summarize' && flags.maxInputTokens != null ? {summarize: {model: flags.summaryModel}} : {}),
		instructions: flags.instructions,
		priceOverrides: {in: flags.priceIn, out: flags.priceOut},
		batch: Boolean(flags.batchApi),
	});
	process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCountReport(report)}\n`);
	return 0;
}

/** Retries and timeouts: the same flags, with the same defaults, on `run` and `worker`. */
function addRetryOptions(command: Command): Command {
	return command
		.option('--max-retries <n>', 'retries after the first attempt', int(0), DEFAULTS.maxRetries)
		.option('--backoff-base <ms>', 'first retry delay before jitter', nonNegative, DEFAULTS.backoffBaseMs)
		.option('--backoff-max <ms>', 'largest computed retry delay', nonNegative, DEFAULTS.backoffMaxMs)
		.option('--timeout <s>', 'per attempt: connect and whole response', positive, DEFAULTS.timeoutMs / 1000)
		.option('--idle-timeout <s>', 'a stream quiet this long counts as a timeout', positive, DEFAULTS.idleTimeoutMs / 1000)
		.option('--max-retry-wait <s>', 'most time one prompt may wait across its retries', positive, DEFAULTS.maxRetryWaitMs / 1000);
}

/** Where requests go and the key they carry. */
function addEndpointOptions(command: Command): Command {
	return command
		.option('--base-url <url>', 'an OpenAI-compatible endpoint (Responses or Chat Completions) (else OPENAI_BASE_URL); the key comes from OPENAI_API_KEY')
		.option('--api-key-file <file>', 'read the API key from this file instead of OPENAI_API_KEY');
}

export function buildProgram(setExit: (code: number) => void): Command {
	const program = new Command('pacer')
		.description('Run batches of prompts against OpenAI-style APIs (Responses or Chat Completions): paced, retried, counted, never lost.')
		.version(VERSION, '-V, --version')
		.showHelpAfterError('(run with --help for usage)')
		.exitOverride();

	const run = program
		.command('run')
		.description('run a batch (dashboard on a TTY, plain lines otherwise)')
		.argument('<prompts-file|->', '.txt (a prompt a line), .jsonl (pacer or Batch API lines), or - for stdin')
		.option('--out <file>', 'results file (default: <input>.results.jsonl, pacer-results.jsonl for stdin)')
		.option('--model <name>', 'model for prompts that name none', DEFAULTS.model)
		.option('--max-output-tokens <n>', `cap on each reply (default ${DEFAULTS.maxOutputTokens}, or the --style cap)`, int(16))
		.addOption(new Option('--api <api>', 'responses, chat (/chat/completions), or auto: Responses, switching to chat on a server without it; a Batch line\'s url picks its own').choices(['responses', 'chat', 'auto']).default(DEFAULTS.api))
		.option('--instructions <text>', "sent as the API's instructions field")
		.option('--instructions-file <file>', 'instructions read from a file')
		.addOption(new Option('--style <style>', 'output length: adds a length instruction and cap').choices(['short', 'medium', 'long']))
		.option('--concurrency <n|auto>', 'ceiling on requests in flight (sent, not yet answered; retries included), never exceeded; auto adapts between 1 and --max-concurrency while latency allows', concurrency, 'auto')
		.option('--max-concurrency <n>', 'the most requests in flight --concurrency auto may reach', int(1), DEFAULTS.maxConcurrency)
		.option('--rpm <n>', 'client-side cap on requests per minute', positive)
		.option('--tpm <n>', 'client-side cap on tokens per minute', positive);
	addRetryOptions(run)
		.option('--budget-tokens <n>', 'send nothing whose worst case would pass this many tokens', int(1))
		.option('--budget-usd <x>', 'send nothing whose worst case would pass this many dollars', positive)
		.option('--max-input-tokens <n>', 'longer prompts fail before sending, are truncated, or are condensed (--on-long)', int(1))
		.addOption(new Option('--on-long <what>', 'what to do with prompts over --max-input-tokens: summarize condenses them by the model first').choices(['fail', 'truncate', 'summarize']).default('fail'))
		.option('--summary-model <name>', "the model that condenses with --on-long summarize (default: the prompt's model)")
		.option('--price-in <usd>', 'USD per 1M input tokens, overriding the table', nonNegative)
		.option('--price-out <usd>', 'USD per 1M output tokens, overriding the table', nonNegative)
		.option('--resume', 'skip prompts whose latest record in --out succeeded; with --batch-api, re-attach to the batches kept beside --out')
		.option('--batch-api', "send the file through the provider's Batch API (half price, done within 24 h) instead of one request at a time")
		.option('--then-live', 'with --batch-api: run live, at the end, what failed or expired in its batch')
		.option('--no-tui', 'plain lines instead of the dashboard (also when stdout is not a TTY)')
		.option('--json', 'print the final summary as JSON')
		.option('--exit-when-done', 'leave the dashboard as soon as the run ends')
		.option('--record <file.cast>', 'write an asciicast v2 recording of the dashboard')
		.option('--redis <url>', 'share the rate limit with every pacer process of the same --limit-scope through Redis (else PACER_REDIS_URL)')
		.option('--limit-scope <name>', 'the budget shared through --redis (default: the base URL and a hash of the key)')
		.option('--queue <name>', 'with --redis: put the prompts in this shared queue, work on them, and collect every result into --out (`pacer worker` helps from any machine)')
		.option('--lease <s>', 'with --queue: a prompt held by a worker that stopped answering goes back to the queue after this long', positive, DEFAULTS.leaseMs / 1000);
	addEndpointOptions(run)
		.option('--sim [profile]', `use the built-in simulator: ${PROFILES.join(', ')} (default calm)`)
		.option('--seed <n>', 'simulator seed', int(0), 1)
		.option('--sim-latency-scale <x>', "multiply the simulator's latencies and seeded waits (0 = instant)", nonNegative)
		.option('--sim-rpm <n>', 'requests per minute the simulator allows', positive)
		.option('--sim-tpm <n>', 'tokens per minute the simulator allows', positive)
		.option('--sim-faults <name=rate,...>', "override the profile's fault rates, e.g. rateLimit=0.2,badRequest=0.05", faultRates)
		.option('--sim-batch-time-scale <s>', "with --batch-api: the simulator's seconds per batch request (default 0.005)", nonNegative)
		.option('--sim-batch-expire-after <n>', "with --batch-api: the simulator's batches expire after this many requests", int(0))
		.action(async (input: string, flags: RunFlags) => setExit(await runCommand(input, flags)));

	const worker = program
		.command('worker')
		.description('take prompts from a shared queue (pacer run --queue) and run them, until the queue is drained')
		.requiredOption('--queue <name>', 'the queue the collector named')
		.option('--redis <url>', 'the Redis of the queue (else PACER_REDIS_URL)')
		.option('--limit-scope <name>', 'the budget shared through Redis (default: the base URL and a hash of the key)')
		.option('--lease <s>', 'a prompt held by a worker that stopped answering goes back to the queue after this long', positive, DEFAULTS.leaseMs / 1000)
		.option('--concurrency <n>', `prompts this worker runs at once (default ${DEFAULTS.workerConcurrency})`, concurrency, 'auto')
		.option('--rpm <n>', 'cap on requests per minute of the whole scope', positive)
		.option('--tpm <n>', 'cap on tokens per minute of the whole scope', positive);
	addEndpointOptions(addRetryOptions(worker))
		.addOption(new Option('--api <api>', 'responses, chat (/chat/completions), or auto: Responses, switching to chat on a server without it').choices(['responses', 'chat', 'auto']).default(DEFAULTS.api))
		.option('--sim [profile]', `use the built-in simulator: ${PROFILES.join(', ')} (default calm)`)
		.option('--seed <n>', 'simulator seed', int(0), 1)
		.action(async (flags: RunFlags) => setExit(await workerCommand(flags)));

	program
		.command('sim')
		.description('serve the simulator on loopback for other clients')
		.option('--port <n>', 'port on 127.0.0.1', int(0), 8787)
		.option('--profile <name>', `fault profile: ${PROFILES.join(', ')}`, 'calm')
		.option('--seed <n>', 'seed for faults, latency and text', int(0), 1)
		.option('--rpm <n>', 'requests per minute the simulator allows', positive)
		.option('--tpm <n>', 'tokens per minute the simulator allows', positive)
		.option('--latency-scale <x>', 'multiply latencies (0 = instant)', nonNegative, 1)
		.option('--no-headers', 'send no x-ratelimit-* headers')
		.option('--chat-only', 'serve only /v1/chat/completions (404 on /v1/responses, like most OpenAI-compatible servers)')
		.action(async flags => setExit(await simCommand(flags)));

	program
		.command('count')
		.description('estimate tokens and cost without sending anything')
		.argument('<prompts-file|->')
		.option('--model <name>', 'model to count for', DEFAULTS.model)
		.addOption(new Option('--api <api>', 'count plain prompts as Responses or Chat Completions requests (a Batch line\'s url picks its own)').choices(['responses', 'chat']).default('responses'))
		.option('--max-output-tokens <n>', 'the output cap each prompt would get', int(16), DEFAULTS.maxOutputTokens)
		.option('--max-input-tokens <n>', 'list prompts over this many input tokens', int(1))
		.addOption(new Option('--on-long <what>', 'with summarize: how many prompts would be condensed, and the extra calls, tokens and cost').choices(['fail', 'summarize']).default('fail'))
		.option('--summary-model <name>', "the model that would condense (default: the prompt's model)")
		.option('--instructions <text>', 'instructions each request would carry')
		.option('--batch-api', 'show the Batch API price (half of live) beside the live one')
		.option('--price-in <usd>', 'USD per 1M input tokens, overriding the table', nonNegative)
		.option('--price-out <usd>', 'USD per 1M output tokens, overriding the table', nonNegative)
		.option('--json', 'print the report as JSON')
		.action(async (file: string, flags) => setExit(await countCommand(file, flags)));

	return program;
}

/**
 * What a run still holds when the event loop empties while it is unfinished (a bug: a
 * promise nothing will settle). Saving it, then exiting 70, beats Node's silent 13.
 */
let stalled: (() => number) | null = null;

async function main(): Promise<void> {
	let code = 0;
	const program = buildProgram(c => {
		code = c;
	});
	try {
		await program.parseAsync(process.argv);
	} catch (error) {
		const e = error as {code?: string; exitCode?: number; message?: string};
		if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
			// commander printed its message already; help and version are not errors.
			code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? EXIT.ok : EXIT.usage;
		} else if (error instanceof UsageError) {
			process.stderr.write(`pacer: ${error.message}\n`);
			code = EXIT.usage;
		} else {
			process.stderr.write(`pacer: unexpected error (a bug in pacer): ${redactSecrets(String((error as Error)?.stack ?? error))}\n`);
			code = EXIT.unexpected;
		}
	}
	process.exitCode = code;
	// Let stdout drain, then leave even if a stray timer or socket is still open.
	setTimeout(() => process.exit(code), 50).unref();
}

// Node ignores SIGXFSZ so that a write past the file size limit (ulimit -f) fails with
// EFBIG, which pacer's writers handle. Ink's signal-exit listens for it and re-raises it
// when no one else does, which would kill the run: this listener, kept for the whole
// process (signals arrive asynchronously), is that someone.
process.on('SIGXFSZ', () => {});

// The worker of a headless run (./headlessWorker.ts) hears this process's signals from it.
if (!isMainThread) void import('./headlessWorker.js').then(worker => {
	if (worker.isHeadlessWorker()) worker.hearParentSignals();
});

// Not a top-level await: an unsettled one would end the process with Node's 13 and no word.
let settled = false;
process.on('beforeExit', () => {
	if (settled) return;
	process.stderr.write('pacer: the run stopped making progress (a bug in pacer)\n');
	stalled?.();
	process.exit(EXIT.unexpected);
});
void main().finally(() => {
	settled = true;
});
