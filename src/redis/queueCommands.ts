/**
 * Wiring of a batch on a shared queue, for the CLI: `pacer run FILE --redis URL --queue
 * NAME` (the collector: enqueue, work, write `--out`) and `pacer worker` (work until the
 * queue is drained). Headless, plain lines say which worker did what; the collector's
 * dashboard hears the same run through a sink. Nothing here reads argv or env; the CLI
 * hands in what it parsed.
 */
import type {ModelClient} from '../core/client.js';
import type {EngineEvent, RunSummary} from '../core/engine.js';
import {apiClient, type ApiChoice} from '../core/autoApiClient.js';
import {registerSecret} from '../core/secrets.js';
import type {JobSpec} from '../core/types.js';
import {exitCodeFor, formatEvent, formatSummary} from '../headless.js';
import {EXIT} from '../exitCodes.js';
import {RunResults} from '../runResults.js';
import type {Endpoint, PreparedRun} from '../runBatch.js';
import type {RunSink} from '../core/runSink.js';
import type {ClusterFigures} from './cluster.js';
import {startSimulator, type Simulator} from '../sim/index.js';
import {Queue} from 'bullmq';
import {openSharedLimiter, type SharedLimiter} from './sharedLimiter.js';
import {QueueRunner} from './queueRunner.js';
import {QueueWorker, type QueueWorkerOptions} from './queueWorker.js';
import {specForQueue} from './queueJobs.js';

export interface QueueSettings {
	readonly redisUrl: string;
	readonly queue: string;
	readonly scope: string;
	readonly endpoint: Endpoint;
	/** Which API each worker speaks (`auto` switches to chat on a server without Responses). */
	readonly api: ApiChoice;
	readonly rpm?: number;
	readonly tpm?: number;
	/** Prompts this process runs at once. */
	readonly concurrency: number;
	readonly leaseMs: number;
	readonly retry: Pick<QueueWorkerOptions, 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'timeoutMs' | 'idleTimeoutMs' | 'maxRetryWaitMs'>;
	readonly log: (line: string) => void;
}

interface Session {
	readonly shared: SharedLimiter;
	readonly worker: QueueWorker;
	readonly simulator: Simulator | null;
	close(): Promise<void>;
}

/** Throws RedisUnreachableError before anything is sent. */
function connect(settings: QueueSettings): Promise<SharedLimiter> {
	return openSharedLimiter({url: settings.redisUrl, scope: settings.scope, rpm: settings.rpm, tpm: settings.tpm, log: settings.log});
}

/** The worker starts taking prompts at once. */
async function openSession(settings: QueueSettings, shared: SharedLimiter, onEvent: (event: EngineEvent) => void): Promise<Session> {
	let simulator: Simulator | null = null;
	let client: ModelClient;
	const endpoint = settings.endpoint;
	if (endpoint.kind === 'sim') {
		simulator = await startSimulator({...endpoint.options, profile: endpoint.profile, seed: endpoint.seed, port: 0});
		client = apiClient(settings.api, {apiKey: 'sk-sim-local-key', baseURL: simulator.url}, settings.log);
	} else {
		registerSecret(endpoint.apiKey);
		client = apiClient(settings.api, {apiKey: endpoint.apiKey, baseURL: endpoint.baseURL}, settings.log);
	}
	const worker = new QueueWorker({
		redis: shared.redis,
		queue: settings.queue,
		client,
		limiter: shared.limiter,
		concurrency: settings.concurrency,
		leaseMs: settings.leaseMs,
		...settings.retry,
		onEvent,
	});
	return {
		shared,
		worker,
		simulator,
		async close() {
			await worker.close().catch(() => {});
			await shared.close();
			await simulator?.close();
		},
	};
}

/** Stop on the first SIGINT/SIGTERM; what is not done stays in the queue. */
function onSignals(stop: (signal: NodeJS.Signals) => void): () => void {
	const handler = (signal: NodeJS.Signals) => stop(signal);
	process.on('SIGINT', handler);
	process.on('SIGTERM', handler);
	return () => {
		process.off('SIGINT', handler);
		process.off('SIGTERM', handler);
	};
}

export interface CollectSettings extends QueueSettings {
	readonly out: string;
	readonly resume: boolean;
	readonly batch: {readonly model: string; readonly maxOutputTokens: number; readonly instructions?: string};
	readonly json: boolean;
}

/** Where the collector's run is shown: plain lines (the default), or a dashboard's store through these. */
export interface CollectorView {
	readonly sink?: RunSink;
	readonly onClusterFigures?: (figures: ClusterFigures) => void;
}

/** A collector ready to run: what the dashboard needs of a prepared run (its store is the caller's). */
export interface CollectorRun extends Omit<PreparedRun, 'store' | 'runner'> {
	readonly runner: QueueRunner;
}

/**
 * Connect, open `--out`, start this process's worker and set up the collector; nothing is
 * enqueued until `runner.run()`. With a sink, plain lines of records and the cluster are
 * left to the dashboard.
 */
export async function openCollector(jobs: readonly JobSpec[], settings: CollectSettings, view: CollectorView = {}): Promise<CollectorRun> {
	const startedAt = Date.now();
	const order = jobs.map(job => job.id);
	const lines = view.sink == null && !settings.json;
	// Redis first: a wrong URL must leave an old --out as it was.
	const shared = await connect(settings);
	let results: RunResults;
	try {
		results = new RunResults(settings.out, order, {resume: settings.resume});
	} catch (error) {
		await shared.close();
		throw error;
	}
	// The collector's own worker prints its retries; every ending is printed once, below, as written.
	const session = await openSession(settings, shared, event => {
		if (event.type === 'retry' && lines) settings.log(formatEvent(event, startedAt)!);
	});
	const specs = jobs.filter(job => !results.done.has(job.id)).map(job => specForQueue(job, settings.batch));
	const alreadyDone = jobs.length - specs.length;
	if (alreadyDone > 0) settings.log(`pacer: resuming: ${alreadyDone} prompt(s) already succeeded in ${settings.out}`);
	settings.log(`pacer: queue ${settings.queue}: ${specs.length} prompt(s) shared through Redis; this process works on them too as ${session.worker.name}`);
	const endpoint = settings.endpoint;
	const endpointLabel = `${endpoint.kind === 'sim' ? `simulator ${endpoint.profile} · seed ${endpoint.seed}` : endpoint.baseURL ? new URL(endpoint.baseURL).host : 'api.openai.com'} · queue ${settings.queue}`;
	const runner = new QueueRunner({
		redis: session.shared.redis,
		queue: settings.queue,
		specs,
		writer: results.writer,
		worker: session.worker,
		retryFailed: settings.resume,
		sink: view.sink,
		budget: () => session.shared.limiter.snapshot(),
		scope: settings.scope,
		endpoint: endpointLabel,
		onClusterFigures: view.onClusterFigures,
		onCluster: lines ? line => settings.log(`pacer: ${line}`) : undefined,
		onEvent: (event, worker) => {
			if (!lines) return;
			const line = formatEvent(event, startedAt);
			if (line) settings.log(`${line}  [${worker}]`);
		},
	});
	results.attach(runner, null);
	let finished: Promise<RunSummary> | null = null;
	const closeNow = (): RunSummary => {
		const summary = runner.close();
		results.afterClose();
		results.release();
		return summary;
	};
	return {
		runner,
		outPath: settings.out,
		alreadyDone,
		tornLine: results.tornLine,
		merged: results.merged,
		discarded: results.discarded,
		simulator: session.simulator,
		endpointLabel,
		finish(options = {}) {
			finished ??= (async () => {
				const summary = runner.close();
				try {
					if (options.compact !== false) results.compact(order);
				} finally {
					closeNow();
					await runner.shutdown();
					await session.close();
				}
				return summary;
			})();
			return finished;
		},
		finishNow() {
			const summary = closeNow();
			void runner.shutdown().then(() => session.close());
			return summary;
		},
		get fallback() {
			const saved = results.writer.fallback;
			return saved ? {...saved, unsaved: results.writer.unsaved()} : null;
		},
		get compactError() {
			return results.compactError?.message ?? null;
		},
	};
}

/** The collector in plain lines. Returns the exit status. */
export async function collectOnQueue(jobs: readonly JobSpec[], settings: CollectSettings): Promise<number> {
	const collector = await openCollector(jobs, settings);
	const runner = collector.runner;
	let signalled: number | null = null;
	const off = onSignals(signal => {
		signalled = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
		settings.log(`pacer: ${signal}: stopping; prompts not yet done stay in queue ${settings.queue} (run again with --resume)`);
		void runner.stop({reason: `interrupted (${signal})`});
	});
	let summary: RunSummary;
	try {
		await runner.run();
	} finally {
		off();
		summary = await collector.finish({compact: signalled == null});
	}
	const byWorker = [...runner.byWorker].map(([worker, n]) => `${worker} ${n}`).join(', ');
	const alreadyDone = collector.alreadyDone;
	if (settings.json) process.stdout.write(`${JSON.stringify({...summary, alreadyDone, out: settings.out, byWorker: Object.fromEntries(runner.byWorker)})}\n`);
	else {
		settings.log(formatSummary(summary, {outPath: settings.out, alreadyDone}));
		if (byWorker) settings.log(`pacer: by worker: ${byWorker}`);
	}
	return signalled ?? exitCodeFor(summary);
}

/** How often a worker looks whether the queue is drained. */
const DRAIN_CHECK_MS = 1000;

/** `pacer worker`: take prompts until the queue has none waiting or running. Returns the exit status. */
export async function workOnQueue(settings: QueueSettings): Promise<number> {
	const startedAt = Date.now();
	const session = await openSession(settings, await connect(settings), event => {
		const line = formatEvent(event, startedAt);
		if (line) settings.log(line);
	});
	const queue = new Queue(settings.queue, {connection: session.shared.redis});
	queue.on('error', () => {});
	settings.log(`pacer worker ${session.worker.name}: taking prompts from queue ${settings.queue} (lease ${settings.leaseMs / 1000}s)`);
	let signalled: number | null = null;
	let wake: () => void = () => {};
	const off = onSignals(signal => {
		signalled = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
		settings.log(`pacer worker: ${signal}: finishing the prompts under way, taking no more`);
		wake();
	});
	try {
		let seenJobs = false;
		while (signalled == null) {
			await new Promise<void>(resolve => {
				wake = resolve;
				setTimeout(resolve, DRAIN_CHECK_MS).unref();
			});
			try {
				// A paused queue is not drained: BullMQ keeps its prompts in `wait` (only a flag says paused).
				const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
				const open = (counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
				seenJobs ||= open + (counts.completed ?? 0) + (counts.failed ?? 0) > 0;
				// A worker started before the collector waits for the first prompts.
				if (seenJobs && open === 0) break;
			} catch {
				// Redis is away: the connection's watcher said so; look again when it is back.
			}
		}
	} finally {
		off();
		await queue.close().catch(() => {});
		await session.close();
	}
	settings.log(`pacer worker ${session.worker.name}: ${session.worker.done} prompt(s) done; ${signalled == null ? 'the queue is drained' : 'stopped'}`);
	return signalled ?? EXIT.ok;
}
