/** The in-process job queue: p-queue, created paused (the engine starts it). */
import PQueue from 'p-queue';
import type {JobQueue, JobQueueFactory} from './jobQueue.js';

export class PQueueJobQueue implements JobQueue {
	readonly #queue: PQueue;

	constructor(options: {readonly concurrency: number}) {
		this.#queue = new PQueue({concurrency: options.concurrency, autoStart: false});
	}

	add(task: () => Promise<void>, options: {readonly priority?: number} = {}): Promise<void> {
		return this.#queue.add(task, {priority: options.priority ?? 0});
	}

	get concurrency(): number {
		return this.#queue.concurrency;
	}

	set concurrency(n: number) {
		this.#queue.concurrency = n;
	}

	get size(): number {
		return this.#queue.size;
	}

	pause(): void {
		this.#queue.pause();
	}

	start(): void {
		this.#queue.start();
	}

	clear(): void {
		this.#queue.clear();
	}
}

export const pQueueJobQueue: JobQueueFactory = options => new PQueueJobQueue(options);
