/**
 * One Batch API batch as a `--batch-api` run shows it: the dashboard draws a row of these,
 * headless prints each change of status. The batch runner produces them; the store keeps
 * the latest list; components only read them.
 */

/** The provider's statuses, then pacer's own steps before a batch exists and after it ended. */
export type BatchStatus =
	| 'preparing' // request lines being written for this part
	| 'uploading' // the part's file is going up (Files API, purpose batch)
	| 'creating' // the file is up; the batch is being created
	| 'validating'
	| 'failed'
	| 'in_progress'
	| 'finalizing'
	| 'completed'
	| 'expired'
	| 'cancelling'
	| 'cancelled'
	| 'collecting' // output and error files being read into the results
	| 'collected'; // every line of this part has its record in --out

export interface BatchRow {
	/** 1-based part of the input this batch carries, of `parts`. */
	readonly part: number;
	readonly parts: number;
	/** Input lines this part covers (1-based, inclusive) and how many requests it holds. */
	readonly firstLine: number;
	readonly lastLine: number;
	readonly requests: number;
	readonly fileId: string | null;
	readonly batchId: string | null;
	readonly status: BatchStatus;
	/** The provider's request_counts (zeros until it reports them). */
	readonly completed: number;
	readonly failed: number;
	/** Epoch ms the batch was created, and the moment it reached a final status (null while not). */
	readonly createdAt: number | null;
	readonly endedAt: number | null;
	/** Why it failed, expired or was cancelled, in plain words; null otherwise. */
	readonly note: string | null;
}

/** What the dashboard may ask of a `--batch-api` run beyond the RunControls every runner has. */
export interface BatchControls {
	/** Ask the provider to cancel one batch (finished lines are kept and collected). */
	cancelBatch(batchId: string): void;
	/** Stop watching: the batches go on at the provider; `--resume` re-attaches. */
	detach(): void;
}
