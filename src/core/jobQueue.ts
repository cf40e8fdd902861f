/**
 * The job-queue seam: where jobs wait for a slot and how many run at once. The engine
 * only adds tasks, moves the ceiling and pauses; p-queue does the rest in one process
 * (./pQueueJobQueue.ts). A queue shared between processes plugs in here.
 */
export interface JobQueue {
	/**
	 * Run `task` when a slot is free; higher `priority` first (retries before fresh jobs).
	 * Resolves or rejects as the task does.
	 */
	add(task: () => Promise<void>, options?: {readonly priority?: number}): Promise<void>;
	/** Tasks started and not yet settled may pass a lowered ceiling; new ones wait for it. */
	concurrency: number;
	/** Tasks waiting, not started. */
	readonly size: number;
	/** Start nothing new until `start`; started tasks go on. */
	pause(): void;
	start(): void;
	/** Drop every waiting task (it is never run, its promise never settles: callers must not await it). */
	clear(): void;
}

/** Makes the queue of a run, paused, with its first ceiling. */
export type JobQueueFactory = (options: {readonly concurrency: number}) => JobQueue;
