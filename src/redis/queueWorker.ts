/**
 * Takes prompts from a shared queue and runs each through the streaming engine: paced by
 * the limiter it is given (the scope's shared one), retried by the engine's own rules,
 * and handed back as the record a local run would write. BullMQ's Worker holds the lease:
 * a job's lock lasts `leaseMs` and is renewed while the job runs; a worker that dies
 * (kill -9, a lost machine) stops renewing it, and any live worker's stalled-job check
 * puts the job back in the queue.
 *
 * A prompt cancelled from the collector's dashboard is named in the queue's cancelled set:
 * a worker that takes it sends nothing, and one that is running it aborts the request at
 * its next heartbeat; either way the record says `cancelled`.
 */
import {DEFAULTS} from '../core/defaults.js';
import * as os from 'node:os';
import {Worker, type Job} from 'bullmq';
import type {Redis} from 'ioredis';
import type {ModelClient} from '../core/client.js';
import {Engine, type EngineEvent} from '../core/engine.js';
import type {Limiter} from '../core/limiter.js';
import {costUsd, priceFor} from '../core/prices.js';
import {countInputTokens, countText} from '../core/tokens.js';
import type {ResultRecord} from '../core/types.js';
import {BEAT_MS, removeBeat, writeBeat} from './cluster.js';
import {MeteredLimiter} from './meteredLimiter.js';
import {cancelledKey, type QueueJobData, type QueueJobResult} from './queueJobs.js';

export interface QueueWorkerOptions {
	readonly redis: Redis;
	readonly queue: string;
	readonly client: ModelClient;
	readonly limiter: Limiter;
	/** Prompts this process runs at once. @default 8 */
	readonly concurrency?: number;
	/** How long a job stays with a worker that stopped answering before it goes back. @default 30000 */
	readonly leaseMs?: number;
	/** @default 4 */
	readonly maxRetries?: number;
	readonly backoffBaseMs?: number;
	readonly backoffMaxMs?: number;
	readonly timeoutMs?: number;
	readonly idleTimeoutMs?: number;
	readonly maxRetryWaitMs?: number;
	/** Engine events of every job this worker runs (retries, endings), for plain lines. */
	readonly onEvent?: (event: EngineEvent) => void;
}

/**
 * How many times a job may come back from a dead worker before BullMQ fails it: a prompt
 * that kills every worker that takes it must not go round for ever.
 */
const MAX_STALLS = 3;

export function workerName(): string {
	return `${os.hostname()}:${process.pid}`;
}

export class QueueWorker {
	readonly name = workerName();
	readonly #worker: Worker<QueueJobData, QueueJobResult>;
	readonly #options: QueueWorkerOptions;
	#done = 0;
	#running = 0;
	readonly #since = Date.now();
	readonly #beat: ReturnType<typeof setInterval>;
	readonly #limiter: MeteredLimiter;
	/** The engine of each job running here, by queue job id, so a cancel can reach it. */
	readonly #engines = new Map<string, {engine: Engine; id: string}>();

	constructor(options: QueueWorkerOptions) {
		this.#options = options;
		this.#limiter = new MeteredLimiter(options.limiter);
		const leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
		// The tokenizer's tables load on first use, synchronously (hundreds of ms, seconds on a
		// busy machine): loaded inside the first job, they would hold the event loop while that
		// job's lease runs out, and another worker would send the prompt again.
		countText('', DEFAULTS.model);
		this.#worker = new Worker<QueueJobData, QueueJobResult>(options.queue, job => this.#run(job), {
			connection: options.redis,
			concurrency: options.concurrency ?? DEFAULTS.workerConcurrency,
			lockDuration: leaseMs,
			stalledInterval: leaseMs,
			maxStalledCount: MAX_STALLS,
			autorun: true,
		});
		// Connection trouble is reported by the connection's own watcher; the worker reconnects.
		this.#worker.on('error', () => {});
		this.#beat = setInterval(() => void this.#heartbeat(), BEAT_MS);
		this.#beat.unref();
		void this.#heartbeat();
	}

	async #heartbeat(): Promise<void> {
		const beat = {name: this.name, host: os.hostname(), inFlight: this.#running, done: this.#done, since: this.#since, at: Date.now(), ...this.#limiter.used()};
		await writeBeat(this.#options.redis, this.#options.queue, beat).catch(() => {});
		await this.#dropCancelled().catch(() => {});
	}

	/** Abort the requests of jobs the collector cancelled while this worker ran them. */
	async #dropCancelled(): Promise<void> {
		const running = [...this.#engines.keys()];
		if (running.length === 0) return;
		const flags = await this.#options.redis.smismember(cancelledKey(this.#options.queue), ...running);
		running.forEach((jobId, i) => {
			const held = this.#engines.get(jobId);
			if (flags[i] === 1 && held) held.engine.cancel(held.id);
		});
	}

	/** Prompts this worker has finished. */
	get done(): number {
		return this.#done;
	}

	get running(): number {
		return this.#running;
	}

	/** Prompts this worker runs at once. */
	get concurrency(): number {
		return this.#options.concurrency ?? DEFAULTS.workerConcurrency;
	}

	async #run(job: Job<QueueJobData, QueueJobResult>): Promise<QueueJobResult> {
		this.#running++;
		try {
			const cancelled = job.id != null && (await this.#options.redis.sismember(cancelledKey(this.#options.queue), job.id)) === 1;
			const record = await this.#runOne(job.id ?? '', job.data, cancelled);
			this.#done++;
			return {record, worker: this.name};
		} finally {
			this.#running--;
		}
	}

	async #runOne(jobId: string, data: QueueJobData, cancelled: boolean): Promise<ResultRecord> {
		const o = this.#options;
		let record: ResultRecord | null = null;
		const engine = new Engine([data.spec], {
			client: o.client,
			limiter: this.#limiter,
			concurrency: 1,
			maxRetries: o.maxRetries,
			backoff: {baseMs: o.backoffBaseMs, maxMs: o.backoffMaxMs},
			timeoutMs: o.timeoutMs,
			idleTimeoutMs: o.idleTimeoutMs,
			maxRetryWaitMs: o.maxRetryWaitMs,
			countInputTokens: (spec, model) => countInputTokens(spec, model),
			costOf: (usage, model) => {
				const price = priceFor(model);
				return price ? costUsd(usage, price) : null;
			},
			retainOutput: false,
			onEvent: event => {
				if (event.type === 'finished') record = event.record;
				o.onEvent?.(event);
			},
		});
		// Cancelled before it was sent: the engine writes the record and sends nothing.
		if (cancelled) engine.cancel(data.spec.id);
		this.#engines.set(jobId, {engine, id: data.spec.id});
		try {
			await engine.run();
		} finally {
			this.#engines.delete(jobId);
			engine.close();
		}
		if (!record) throw new Error(`the engine ended ${data.spec.id} without a record`);
		return record;
	}

	/** Take nothing new (here; other workers go on). */
	pause(): Promise<void> {
		return this.#worker.pause(true);
	}

	resume(): void {
		this.#worker.resume();
	}

	/** Let the jobs under way finish, then let go of the queue. */
	async close(): Promise<void> {
		clearInterval(this.#beat);
		await this.#worker.close();
		await removeBeat(this.#options.redis, this.#options.queue, this.name).catch(() => {});
	}
}

