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
 * The controls act on the whole queue. Pause is BullMQ's queue pause: every worker takes
 * nothing new, requests under way finish. Cancel removes a prompt no worker has taken yet
 * (the collector writes it `cancelled`); one a worker already runs is named in the queue's
 * cancelled set and that worker aborts it at its next heartbeat (its record says
 * `cancelled`). Retry adds a failed or cancelled prompt again under a new job id, so
 * BullMQ does not drop it as a duplicate. Concurrency is each worker's own (`--concurrency`
 * where it was started): not offered.
 *
 * With a sink, the prompts show as jobs of a run (queued, running, their ending) and the
 * run's totals, rate and phase follow; `onClusterFigures` hears the workers and the shared
 * budget every `figuresEveryMs`.
 */
import {Queue, QueueEvents} from 'bullmq';
import type {Redis} from 'ioredis';
import type {ControlSupport} from '../core/controls.js';
import type {LimiterSnapshot} from '../core/limiter.js';
import {silentSink, type RunSink} from '../core/runSink.js';
import type {EngineEvent} from '../core/engineEvents.js';
import {RunLedger, type RunSummary} from '../core/ledger.js';
import type {ResultsWriter} from '../core/resultsWriter.js';
import type {Runner} from '../core/runner.js';
import type {ConcurrencyMode, JobSpec, JobStatus, ResultRecord} from '../core/types.js';
import type {ClusterFigures} from './cluster.js';
import {watchCluster} from './clusterWatch.js';
import {cancelledKey, JOB_NAME, parseJobResult, queueJobId, retryJobId, type QueueJobData, type QueueJobResult} from './queueJobs.js';
import {changeFromRecord, collectorRecord, queuedView, totalsFromRecord} from './queueView.js';
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
	/** Where the run's jobs, totals, rate and phase go (the dashboard's store). @default silentSink */
	readonly sink?: RunSink;
	/** The scope's shared budget, as this process's limiter last read it. */
	readonly budget?: () => LimiterSnapshot;
	/** The budget's scope, for the figures. @default '' */
	readonly scope?: string;
	/** Told every `figuresEveryMs` who works on the queue and how the shared budget is used. */
	readonly onClusterFigures?: (figures: ClusterFigures) => void;
	/** @default 1000 */
	readonly figuresEveryMs?: number;
	/** What the header names as the endpoint. @default '' */
	readonly endpoint?: string;
}

const OPEN = {queued: true, running: true, waiting: true} as Partial<Record<JobStatus, true>>;

/** Lookups of missing prompts go in batches this big (one pipeline of HGETALLs each). */
const SCAN_BATCH = 200;

export class QueueRunner implements Runner {
	readonly supports: ControlSupport = {jobs: true, pause: true, concurrency: false};
	readonly concurrencyMode: ConcurrencyMode = 'fixed';
	readonly #options: QueueRunnerOptions;
	readonly #queue: Queue<QueueJobData, QueueJobResult>;
	readonly #ledger = new RunLedger();
	/** Prompt ids of this run not yet written, by queue job id. */
	readonly #missing = new Map<string, JobSpec>();
	readonly #byWorker = new Map<string, number>();
	readonly #sink: RunSink;
	readonly #specs = new Map<string, JobSpec>();
	/** Each prompt's status as this run shows it. */
	readonly #status = new Map<string, JobStatus>();
	/** The queue job id each prompt is under now (a retry moves it). */
	readonly #jobIdOf = new Map<string, string>();
	readonly #retries = new Map<string, number>();
	/** Retries whose add did not reach Redis yet: the next scan adds them. */
	readonly #toAdd = new Map<string, JobSpec>();
	#paused = false;
	#rateTimer: ReturnType<typeof setInterval> | null = null;
	#stopWatch: () => void = () => {};
	#events: QueueEvents | null = null;
	#rescan: ReturnType<typeof setInterval> | null = null;
	#scanning = false;
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
		this.#sink = options.sink ?? silentSink;
		for (const spec of options.specs) {
			const jobId = queueJobId(options.queue, spec.id);
			this.#missing.set(jobId, spec);
			this.#specs.set(spec.id, spec);
			this.#status.set(spec.id, 'queued');
			this.#jobIdOf.set(spec.id, jobId);
		}
		this.#ledger.added(options.specs.length);
		this.#sink.jobsAdded(options.specs.map(queuedView));
		this.#sink.runChanged({phase: 'idle', model: options.specs[0]?.model ?? '', endpoint: options.endpoint ?? ''});
	}

	async run(): Promise<RunSummary> {
		if (this.#startedAt === 0) {
			this.#startedAt = Date.now();
			this.#sink.runChanged({phase: 'running', startedAt: this.#startedAt});
			await this.#start();
		}
		await this.whenDone();
		return this.summary();
	}

	async #start(): Promise<void> {
		// Listen before adding and scanning, so nothing finishes unheard in between.
		const events = new QueueEvents(this.#options.queue, {connection: this.#options.redis.duplicate()});
		events.on('error', () => {});
		events.on('completed', ({jobId, returnvalue}) => this.#completed(jobId, parseJobResult(returnvalue)));
		events.on('failed', ({jobId, failedReason}) => this.#failed(jobId, failedReason));
		events.on('active', ({jobId}) => this.#active(jobId));
		// A job back from a worker that died waits again.
		events.on('waiting', ({jobId}) => this.#waitingAgain(jobId));
		this.#events = events;
		await events.waitUntilReady();
		if (this.#options.retryFailed) await this.#dropFailures();
		const specs = [...this.#missing.entries()];
		// A prompt cancelled in an earlier run and sent again now must not be dropped again.
		for (let i = 0; i < specs.length; i += 1000) await this.#options.redis.srem(cancelledKey(this.#options.queue), ...specs.slice(i, i + 1000).map(([jobId]) => jobId));
		this.#paused = await this.#queue.isPaused();
		if (this.#paused) this.#sink.runChanged({phase: 'paused'});
		for (let i = 0; i < specs.length; i += 1000) {
			await this.#queue.addBulk(
				specs.slice(i, i + 1000).map(([jobId, spec]) => ({name: JOB_NAME, data: {spec}, opts: {jobId, attempts: 1, removeOnComplete: false, removeOnFail: false}})),
			);
		}
		await this.#scan();
		this.#options.redis.on('ready', () => void this.#scan());
		this.#rescan = setInterval(() => void this.#scan(), this.#options.rescanMs ?? 5000);
		this.#rescan.unref();
		this.#stopWatch = watchCluster({
			redis: this.#options.redis,
			queue: this.#queue,
			scope: this.#options.scope ?? '',
			budget: this.#options.budget,
			onLine: this.#options.onCluster,
			lineEveryMs: this.#options.clusterEveryMs,
			onFigures: this.#options.onClusterFigures,
			figuresEveryMs: this.#options.figuresEveryMs,
		});
		this.#readRate();
		this.#rateTimer = setInterval(() => this.#readRate(), this.#options.figuresEveryMs ?? 1000);
		this.#rateTimer.unref();
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
		// A scan of 100,000 missing prompts can outlast the interval: never two at once.
		if (this.#closed || this.#scanning) return;
		this.#scanning = true;
		try {
			for (const [jobId, spec] of this.#toAdd) {
				await this.#add(jobId, spec);
				this.#toAdd.delete(jobId);
			}
			const ids = [...this.#missing.keys()];
			for (let i = 0; i < ids.length; i += SCAN_BATCH) {
				const jobs = await Promise.all(ids.slice(i, i + SCAN_BATCH).map(id => this.#queue.getJob(id)));
				for (const job of jobs) {
					if (job?.id && job.processedOn && !job.finishedOn) this.#active(job.id);
					if (!job?.id || !job.finishedOn) continue;
					if (job.returnvalue) this.#completed(job.id, job.returnvalue as QueueJobResult);
					else if (job.failedReason) this.#failed(job.id, job.failedReason);
				}
			}
		} catch {
			// Redis is away; the next scan (or its return) tries again.
		} finally {
			this.#scanning = false;
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
		const record = collectorRecord(spec, 'failed', {kind: 'unexpected', code: 'queue_failed', message: `the shared queue gave up on it: ${reason}`});
		this.#write(jobId, record, 'queue');
	}

	#active(jobId: string): void {
		const spec = this.#missing.get(jobId);
		if (!spec || this.#status.get(spec.id) !== 'queued') return;
		this.#move(spec.id, 'running', {startedAt: Date.now()});
	}

	#waitingAgain(jobId: string): void {
		const spec = this.#missing.get(jobId);
		if (!spec || this.#status.get(spec.id) !== 'running') return;
		this.#move(spec.id, 'queued', {startedAt: null});
	}

	#move(id: string, status: JobStatus, change: Parameters<RunSink['jobChanged']>[1] = {}): void {
		const before = this.#status.get(id) ?? 'queued';
		this.#status.set(id, status);
		this.#ledger.moved(before, status);
		this.#sink.jobChanged(id, {...change, status});
	}

	/** One record per id: the first to arrive is written, any later copy is dropped. */
	#write(jobId: string, record: ResultRecord, worker: string): void {
		if (!this.#missing.delete(jobId) || this.#closed) return;
		this.#options.writer?.append(record);
		this.#move(record.id, record.status, changeFromRecord(record));
		this.#ledger.add(totalsFromRecord(record));
		this.#sink.totalsChanged(this.#ledger.totals);
		this.#byWorker.set(worker, (this.#byWorker.get(worker) ?? 0) + 1);
		this.#options.onEvent?.({type: 'finished', record, at: Date.now()}, worker);
		this.#checkDone();
	}

	#checkDone(): void {
		if (this.#missing.size > 0 && this.#stopReason == null) return;
		if (this.#finishedAt == null) {
			this.#finishedAt = Date.now();
			this.#sink.runChanged({phase: 'done', finishedAt: this.#finishedAt, stopReason: this.#stopReason, stopKind: this.#stopReason ? 'cancelled' : null});
		}
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
			this.#stopWatch();
			if (this.#rateTimer) clearInterval(this.#rateTimer);
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

	/**
	 * Cancel a prompt on the whole queue. Its id goes in the cancelled set first (a worker
	 * that takes it meanwhile drops it; one running it aborts it at its next heartbeat),
	 * then the job is removed if no worker holds it: the collector writes that record.
	 */
	cancel(id: string): void {
		const spec = this.#specs.get(id);
		const jobId = this.#jobIdOf.get(id);
		if (!spec || !jobId || !OPEN[this.#status.get(id) ?? 'succeeded'] || this.#closed) return;
		const key = cancelledKey(this.#options.queue);
		void (async () => {
			await this.#options.redis.multi().sadd(key, jobId).pexpire(key, 24 * 3600_000).exec();
			// 0: a worker holds its lock; that worker's record will say cancelled.
			if ((await this.#queue.remove(jobId)) === 1) {
				this.#write(jobId, collectorRecord(spec, 'cancelled', {kind: 'cancelled', code: 'cancelled', message: 'cancelled by the user before any worker took it'}), 'collector');
			}
		})().catch(() => {});
	}

	/** A failed, cancelled or skipped prompt goes into the queue again, under a new job id. */
	retry(id: string): boolean {
		const spec = this.#specs.get(id);
		const status = this.#status.get(id);
		if (!spec || !(status === 'failed' || status === 'cancelled' || status === 'skipped')) return false;
		if (this.#stopReason != null || this.#closed || this.#startedAt === 0) return false;
		const attempt = (this.#retries.get(id) ?? 0) + 1;
		this.#retries.set(id, attempt);
		const jobId = retryJobId(this.#options.queue, id, attempt);
		this.#missing.set(jobId, spec);
		this.#jobIdOf.set(id, jobId);
		this.#move(id, 'queued', {error: null, output: '', retryAt: null, startedAt: null, finishedAt: null, usage: null});
		this.#finishedAt = null;
		this.#sink.runChanged({phase: this.#paused ? 'paused' : 'running', finishedAt: null});
		this.#add(jobId, spec).catch(() => this.#toAdd.set(jobId, spec));
		return true;
	}

	retryAllFailed(): number {
		let n = 0;
		for (const [id, status] of this.#status) if (status === 'failed' && this.retry(id)) n++;
		return n;
	}

	async #add(jobId: string, spec: JobSpec): Promise<void> {
		await this.#queue.add(JOB_NAME, {spec}, {jobId, attempts: 1, removeOnComplete: false, removeOnFail: false});
	}

	/** Every worker of the queue stops taking prompts. */
	pause(): void {
		this.#setPaused(true);
		void this.#queue.pause().catch(() => {});
	}

	resume(): void {
		this.#setPaused(false);
		void this.#queue.resume().catch(() => {});
	}

	#setPaused(paused: boolean): void {
		this.#paused = paused;
		if (this.#finishedAt == null && this.#stopReason == null) this.#sink.runChanged({phase: paused ? 'paused' : 'running'});
	}

	/** The shared budget as the meters show it; concurrency is this process's worker's. */
	#readRate(): void {
		const budget = this.#options.budget?.();
		if (!budget || this.#closed) return;
		const {rpmNow, tpmNow, rpmLimit, tpmLimit, limitSource} = budget;
		this.#sink.rateChanged({rpmNow, tpmNow, rpmLimit, tpmLimit, limitSource, concurrency: this.concurrency, concurrencyMode: 'fixed'});
	}

	setConcurrency(): void {}

	/**
	 * This process stops: its worker takes nothing more (what it runs finishes, or goes back
	 * to the queue after the lease), and the prompts not yet written stay in the queue for
	 * other workers and a later `--resume`.
	 */
	async stop(options: {abort?: boolean; reason?: string} = {}): Promise<void> {
		this.#stopReason ??= options.reason ?? 'the run was stopped';
		if (this.#finishedAt == null) this.#sink.runChanged({phase: 'stopping', stopReason: this.#stopReason, stopKind: 'cancelled'});
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
		return this.#options.worker?.concurrency ?? 0;
	}
}
