/**
 * The collector: a Runner of its own (not a JobQueue behind the engine, whose tasks are
 * closures of one process). It puts the file's prompts in a shared BullMQ queue (each
 * under the id queue/prompt, so a second run adds nothing twice), works on them too with a
 * QueueWorker of its own, and writes every record that any worker hands back into
 * `--out`, exactly one per id. Records come from BullMQ's completed events; a scan of the
 * prompts still missing (at the start, after Redis comes back, and every few seconds)
 * catches what finished while this process was not listening: a collector restarted with
 * `--resume` picks the same queue up where it is.
 *
 * Pause acts on the whole queue (every worker stops taking prompts); cancelling or
 * retrying one prompt and changing concurrency are not offered.
 */
import {Queue, QueueEvents} from 'bullmq';
import type {Redis} from 'ioredis';
import type {ControlSupport} from '../core/controls.js';
import type {EngineEvent} from '../core/engineEvents.js';
import {RunLedger, type RunSummary} from '../core/ledger.js';
import {costUsd, priceFor} from '../core/prices.js';
import type {ResultsWriter} from '../core/resultsWriter.js';
import type {Runner} from '../core/runner.js';
import type {ConcurrencyMode, JobSpec, ResultRecord} from '../core/types.js';
import {formatCluster, readCluster} from './cluster.js';
import {JOB_NAME, queueJobId, type QueueJobData, type QueueJobResult} from './queueJobs.js';
import type {QueueWorker} from './queueWorker.js';

export interface QueueRunnerOptions {
	readonly redis: Redis;
	readonly queue: string;
	/** The prompts still to do (resume left out those already done), their batch defaults filled in. */
	readonly specs: readonly JobSpec[];
	readonly writer?: ResultsWriter;
	/** This process's own worker; null collects only. */
	readonly worker: QueueWorker | null;
	/** Every record written, and who made it (`worker`), for plain lines. */
	readonly onEvent?: (event: EngineEvent, worker: string) => void;
	/** Told every `clusterEveryMs` who works on the queue (one line). */
	readonly onCluster?: (line: string) => void;
	/** @default 10000 */
	readonly clusterEveryMs?: number;
	/** How often the prompts still missing are looked up in Redis. @default 5000 */
	readonly rescanMs?: number;
	/** Retry prompts whose finished job in the queue holds a failure (`--resume`). @default false */
	readonly retryFailed?: boolean;
}

/** Lookups of missing prompts go in batches this big (one pipeline of HGETALLs each). */
const SCAN_BATCH = 200;

export class QueueRunner implements Runner {
	readonly supports: ControlSupport = {jobs: false, pause: true, concurrency: false};
	readonly concurrencyMode: ConcurrencyMode = 'fixed';
	readonly #options: QueueRunnerOptions;
	readonly #queue: Queue<QueueJobData, QueueJobResult>;
	readonly #ledger = new RunLedger();
	/** Prompt ids of this run not yet written, by queue job id. */
	readonly #missing = new Map<string, JobSpec>();
	readonly #byWorker = new Map<string, number>();
	#events: QueueEvents | null = null;
	#rescan: ReturnType<typeof setInterval> | null = null;
	#clusterTimer: ReturnType<typeof setInterval> | null = null;
	#startedAt = 0;
	#finishedAt: number | null = null;
	#stopReason: string | null = null;
	#held: string | null = null;
	#waiters: Array<() => void> = [];
	#closed = false;

	constructor(options: QueueRunnerOptions) {
		this.#options = options;
		this.#queue = new Queue<QueueJobData, QueueJobResult>(options.queue, {connection: options.redis});
		this.#queue.on('error', () => {});
		for (const spec of options.specs) this.#missing.set(queueJobId(options.queue, spec.id), spec);
		this.#ledger.added(options.specs.length);
	}

	async run(): Promise<RunSummary> {
		if (this.#startedAt === 0) {
			this.#startedAt = Date.now();
			await this.#start();
		}
		await this.whenDone();
		return this.summary();
	}

	async #start(): Promise<void> {
		// Listen before adding and scanning, so nothing finishes unheard in between.
		const events = new QueueEvents(this.#options.queue, {connection: this.#options.redis.duplicate()});
		events.on('error', () => {});
		events.on('completed', ({jobId, returnvalue}) => this.#completed(jobId, parse(returnvalue)));
		events.on('failed', ({jobId, failedReason}) => this.#failed(jobId, failedReason));
		this.#events = events;
		await events.waitUntilReady();
		if (this.#options.retryFailed) await this.#dropFailures();
		const specs = [...this.#missing.entries()];
		for (let i = 0; i < specs.length; i += 1000) {
			await this.#queue.addBulk(
				specs.slice(i, i + 1000).map(([jobId, spec]) => ({name: JOB_NAME, data: {spec}, opts: {jobId, attempts: 1, removeOnComplete: false, removeOnFail: false}})),
			);
		}
		await this.#scan();
		this.#options.redis.on('ready', () => void this.#scan());
		this.#rescan = setInterval(() => void this.#scan(), this.#options.rescanMs ?? 5000);
		this.#rescan.unref();
		const onCluster = this.#options.onCluster;
		if (onCluster) {
			this.#clusterTimer = setInterval(() => {
				readCluster(this.#options.redis, this.#options.queue).then(beats => onCluster(formatCluster(beats, Date.now())), () => {});
			}, this.#options.clusterEveryMs ?? 10_000);
			this.#clusterTimer.unref();
		}
		this.#checkDone();
	}

	/** `--resume`: a prompt whose finished job holds a failure goes round again. */
	async #dropFailures(): Promise<void> {
		for (const jobId of this.#missing.keys()) {
			const job = await this.#queue.getJob(jobId);
			if (!job?.finishedOn) continue;
			const result = job.returnvalue as QueueJobResult | null;
			if (result?.record?.status === 'succeeded') continue;
			await job.remove().catch(() => {});
		}
	}

	/** Look up every prompt still missing: those that finished unheard are written now. */
	async #scan(): Promise<void> {
		if (this.#closed) return;
		try {
			const ids = [...this.#missing.keys()];
			for (let i = 0; i < ids.length; i += SCAN_BATCH) {
				const jobs = await Promise.all(ids.slice(i, i + SCAN_BATCH).map(id => this.#queue.getJob(id)));
				for (const job of jobs) {
					if (!job?.id || !job.finishedOn) continue;
					if (job.returnvalue) this.#completed(job.id, job.returnvalue as QueueJobResult);
					else if (job.failedReason) this.#failed(job.id, job.failedReason);
				}
			}
		} catch {
			// Redis is away; the next scan (or its return) tries again.
		}
	}

	#completed(jobId: string, result: QueueJobResult | null): void {
		if (!result?.record) return;
		this.#write(jobId, result.record, result.worker);
	}

	/** BullMQ failed the job itself (it stalled too often, or the worker threw): a record says so. */
	#failed(jobId: string, reason: string): void {
		const spec = this.#missing.get(jobId);
		if (!spec) return;
		const record: ResultRecord = {
			id: spec.id,
			line: spec.line,
			status: 'failed',
			output: null,
			truncated: false,
			error: {kind: 'unexpected', status: null, code: 'queue_failed', message: `the shared queue gave up on it: ${reason}`},
			attempts: 0,
			usage: null,
			model: spec.model ?? '',
			latency_ms: null,
			started_at: null,
			finished_at: new Date().toISOString(),
			request_id: null,
		};
		this.#write(jobId, record, 'queue');
	}

	/** One record per id: the first to arrive is written, any later copy is dropped. */
	#write(jobId: string, record: ResultRecord, worker: string): void {
		if (!this.#missing.delete(jobId) || this.#closed) return;
		this.#options.writer?.append(record);
		this.#ledger.moved('queued', record.status);
		const usage = record.usage;
		const price = usage ? priceFor(record.model) : null;
		this.#ledger.add({
			attempts: record.attempts,
			retries: Math.max(0, record.attempts - 1),
			tokensIn: usage?.input_tokens ?? 0,
			tokensOut: usage?.output_tokens ?? 0,
			truncated: record.truncated ? 1 : 0,
			costUsd: usage && price ? costUsd(usage, price) : 0,
			unpricedJobs: usage && !price ? 1 : 0,
		});
		this.#byWorker.set(worker, (this.#byWorker.get(worker) ?? 0) + 1);
		this.#options.onEvent?.({type: 'finished', record, at: Date.now()}, worker);
		this.#checkDone();
	}

	#checkDone(): void {
		if (this.#missing.size > 0 && this.#stopReason == null) return;
		this.#finishedAt ??= Date.now();
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const resolve of waiters) resolve();
	}

	/** Prompts written, by the worker that made them. */
	get byWorker(): ReadonlyMap<string, number> {
		return this.#byWorker;
	}

	whenDone(): Promise<void> {
		if (this.#missing.size === 0 || this.#stopReason != null) return Promise.resolve();
		return new Promise(resolve => this.#waiters.push(resolve));
	}

	summary(): RunSummary {
		const end = this.#finishedAt ?? Date.now();
		return this.#ledger.summary({
			total: this.#options.specs.length,
			wallMs: this.#startedAt ? end - this.#startedAt : 0,
			stopReason: this.#stopReason,
			stopKind: this.#stopReason ? 'cancelled' : null,
			budget: null,
		});
	}

	close(): RunSummary {
		if (!this.#closed) {
			this.#closed = true;
			if (this.#rescan) clearInterval(this.#rescan);
			if (this.#clusterTimer) clearInterval(this.#clusterTimer);
			this.#options.writer?.close();
		}
		return this.summary();
	}

	/** Let go of Redis: the local worker finishes what it holds, the listeners close. */
	async shutdown(): Promise<void> {
		await this.#options.worker?.close();
		await this.#events?.close().catch(() => {});
		await this.#queue.close().catch(() => {});
	}

	cancel(): void {}

	retry(): boolean {
		return false;
	}

	retryAllFailed(): number {
		return 0;
	}

	/** Every worker of the queue stops taking prompts. */
	pause(): void {
		void this.#queue.pause().catch(() => {});
	}

	resume(): void {
		void this.#queue.resume().catch(() => {});
	}

	setConcurrency(): void {}

	/**
	 * This process stops: its worker takes nothing more (what it runs finishes, or goes back
	 * to the queue after the lease), and the prompts not yet written stay in the queue for
	 * other workers and a later `--resume`.
	 */
	async stop(options: {abort?: boolean; reason?: string} = {}): Promise<void> {
		this.#stopReason ??= options.reason ?? 'the run was stopped';
		await this.#options.worker?.pause().catch(() => {});
		this.#checkDone();
	}

	/** The results file takes nothing: this process's worker waits (the records are kept in memory meanwhile). */
	hold(reason: string): void {
		this.#held = reason;
		void this.#options.worker?.pause().catch(() => {});
	}

	release(): void {
		this.#held = null;
		this.#options.worker?.resume();
	}

	get held(): string | null {
		return this.#held;
	}

	get running(): number {
		return this.#options.worker?.running ?? 0;
	}

	get concurrency(): number {
		return this.#options.worker ? 1 : 0;
	}
}

function parse(value: unknown): QueueJobResult | null {
	if (typeof value === 'string') {
		try {
			return JSON.parse(value) as QueueJobResult;
		} catch {
			return null;
		}
	}
	return (value as QueueJobResult | null) ?? null;
}
