/**
 * What the dashboard (or a script) may ask of a running batch. A runner implements it and
 * says which of its controls it supports (a Batch API run cannot change concurrency);
 * components receive it as a prop and never reach the SDK.
 */
export interface ControlSupport {
	/** Cancel one job, and retry failed ones. */
	readonly jobs: boolean;
	readonly pause: boolean;
	readonly concurrency: boolean;
}

export interface RunControls {
	readonly supports: ControlSupport;
	/** Cancel a queued, waiting or running job; a running request is aborted. */
	cancel(id: string): void;
	/** Put a failed or cancelled job back in the queue. Returns false if it cannot be retried. */
	retry(id: string): boolean;
	/** Retry every failed job; returns how many were queued again. */
	retryAllFailed(): number;
	/** Stop starting new attempts; in-flight requests go on. */
	pause(): void;
	resume(): void;
	/**
	 * A whole number >= 1: a fixed ceiling on requests in flight from now on (requests
	 * already sent are not cut short). `'auto'`: let the runner adapt it again.
	 */
	setConcurrency(n: number | 'auto'): void;
	/**
	 * Stop the run: dispatch nothing more. With `abort: false` in-flight requests finish;
	 * with `abort: true` they are aborted and end `cancelled`. Jobs never started end
	 * `skipped` with the reason. Resolves when every result is flushed.
	 */
	stop(options?: {abort?: boolean; reason?: string}): Promise<void>;
}
