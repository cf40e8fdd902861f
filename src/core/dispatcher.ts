/**
 * Who goes next and how many at once: jobs into the job queue (fresh ones a few at a time,
 * retries first), the concurrency ceiling and who sets it (`fixed` by the user, or `auto`),
 * and the count of requests in flight that a lowered ceiling is checked against.
 */
import {AdaptiveConcurrency} from './concurrency.js';
import type {JobQueue, JobQueueFactory} from './jobQueue.js';
import type {JobRuntime} from './jobRuntime.js';
import {pQueueJobQueue} from './pQueueJobQueue.js';
import type {ConcurrencyMode} from './types.js';

export interface DispatcherOptions {
	/** @default 'auto' */
	readonly concurrency?: number | 'auto';
	/** @default 64 */
	readonly maxConcurrency?: number;
	/** @default p-queue in this process */
	readonly queue?: JobQueueFactory;
	/** The next job never yet put in the queue (in the order they go out the first time), or undefined when there is none. */
	readonly nextFresh: () => JobRuntime | undefined;
	/** The queue's task for a job. */
	readonly attempt: (job: JobRuntime) => Promise<void>;
	/** A task threw: a bug in pacer, the job must still end. */
	readonly onTaskError: (job: JobRuntime, error: unknown) => void;
}

/** A fixed ceiling: a whole number of requests, at least one. */
export function checkCeiling(n: number): void {
	if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be a whole number >= 1 or 'auto', got ${String(n)}`);
}

export class Dispatcher {
	readonly queue: JobQueue;
	readonly adaptive: AdaptiveConcurrency;
	/** Attempts sent and not yet answered. */
	inFlight = 0;
	#closed = false;
	#started = false;
	#paused = false;
	/** Why the run itself holds dispatching (its results cannot be written); apart from the user's pause. */
	#held: string | null = null;
	#mode: ConcurrencyMode;
	readonly #options: DispatcherOptions;
	/** Every fresh job has been taken. */
	#freshDone = false;

	constructor(options: DispatcherOptions) {
		this.#options = options;
		this.adaptive = new AdaptiveConcurrency({max: options.maxConcurrency});
		const asked = options.concurrency ?? 'auto';
		if (asked !== 'auto') checkCeiling(asked);
		this.#mode = asked === 'auto' ? 'auto' : 'fixed';
		this.queue = (options.queue ?? pQueueJobQueue)({concurrency: asked === 'auto' ? this.adaptive.start : asked});
	}

	get mode(): ConcurrencyMode {
		return this.#mode;
	}

	get concurrency(): number {
		return this.queue.concurrency;
	}

	/**
	 * A task that got its permit while dispatching was paused or held, or after the ceiling
	 * was lowered, must not send (p-queue only holds back tasks not yet started).
	 */
	get mustWait(): boolean {
		return this.#paused || this.#held != null || this.inFlight >= this.queue.concurrency;
	}

	get paused(): boolean {
		return this.#paused;
	}

	get held(): string | null {
		return this.#held;
	}

	/** The run starts: fill the queue and let it go, unless paused or held already. */
	begin(): void {
		this.#started = true;
		this.feed();
		this.#startIfFree();
	}

	pause(): void {
		this.#paused = true;
		this.queue.pause();
	}

	resume(): void {
		this.#paused = false;
		this.#startIfFree();
	}

	hold(reason: string): void {
		this.#held = reason;
		this.queue.pause();
	}

	release(): void {
		this.#held = null;
		this.#startIfFree();
	}

	/** Nothing more goes out: the queue is paused and emptied, fresh jobs are not fed any more. */
	close(): void {
		this.#closed = true;
		this.queue.pause();
		this.queue.clear();
	}

	#startIfFree(): void {
		if (this.#started && !this.#paused && this.#held == null && !this.#closed) this.queue.start();
	}

	enqueue(job: JobRuntime, priority: number): void {
		// One queue entry a job at most: a job cancelled and retried before its entry ran
		// must not get two attempts at once.
		if (job.inQueue) return;
		job.inQueue = true;
		void this.queue
			.add(() => {
				job.inQueue = false;
				return this.#options.attempt(job);
			}, {priority})
			.catch(error => this.#options.onTaskError(job, error))
			.finally(() => this.feed());
	}

	/**
	 * Fresh jobs go into the queue a few at a time, not all 100,000 up front: the queue only
	 * needs enough to keep every slot busy, and each entry costs memory.
	 */
	feed(): void {
		const want = Math.max(64, this.queue.concurrency * 2);
		while (this.queue.size < want && !this.#freshDone && !this.#closed) {
			const job = this.#options.nextFresh();
			if (!job) this.#freshDone = true;
			else if (job.status === 'queued' && job.attemptsTotal === 0) this.enqueue(job, 0);
		}
	}

	/** A fixed ceiling from now on, or back to auto from where the run is now (within auto's bounds). */
	setConcurrency(n: number | 'auto'): number {
		if (n !== 'auto') checkCeiling(n);
		this.#mode = n === 'auto' ? 'auto' : 'fixed';
		this.queue.concurrency = n === 'auto' ? Math.max(1, Math.min(this.adaptive.max, this.queue.concurrency)) : n;
		return this.queue.concurrency;
	}

	/** Auto's next step; returns the new ceiling when it moved, else null. */
	adapt(now: number, pacedRpm: number | null): number | null {
		if (this.#mode === 'fixed') return null;
		const current = this.queue.concurrency;
		const next = this.adaptive.target({now, current, pacedRpm, inFlight: this.inFlight, queued: this.queue.size});
		if (next === current) return null;
		this.queue.concurrency = next;
		this.feed();
		return next;
	}
}
