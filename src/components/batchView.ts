/** How the dashboard reads a `--batch-api` run's batches: words, progress, what a key may do. Pure, no React. */
import type {BatchRow, BatchStatus} from '../batch/batchRow.js';

/** Each status in words, as the panel writes it. */
export const BATCH_STATUS_LABEL: Readonly<Record<BatchStatus, string>> = {
	preparing: 'preparing',
	uploading: 'uploading',
	creating: 'creating',
	validating: 'validating',
	failed: 'failed',
	in_progress: 'in progress',
	finalizing: 'finalizing',
	completed: 'completed',
	expired: 'expired',
	cancelling: 'cancelling',
	cancelled: 'cancelled',
	collecting: 'collecting',
	collected: 'collected',
};

/** The longest status label: the status column's width. */
export const BATCH_STATUS_WIDTH = Math.max(...Object.values(BATCH_STATUS_LABEL).map(label => label.length));

/** The provider is done with it (what is left is pacer's reading of the files). */
const ENDED: ReadonlySet<BatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled', 'collecting', 'collected']);

/** The provider has finished with this batch: nothing to cancel, its time stands still. */
export function batchEnded(row: BatchRow): boolean {
	return row.endedAt != null || ENDED.has(row.status);
}

/** The provider accepts a cancel only for these (before, there is no batch yet). */
const CANCELLABLE: ReadonlySet<BatchStatus> = new Set(['validating', 'in_progress', 'finalizing']);

/**
 * Why the cancel key cannot act on `row`, in words for a notice; null when it can.
 * A part with no batch yet cannot be cancelled at the provider: pacer has not created it.
 */
export function cancelRefusal(row: BatchRow): string | null {
	const name = `part ${row.part}/${row.parts}`;
	if (batchEnded(row)) return `${name}: its batch has already ended (${BATCH_STATUS_LABEL[row.status]})`;
	if (row.status === 'cancelling') return `${name}: its batch is already being cancelled`;
	if (row.batchId == null || !CANCELLABLE.has(row.status)) return `${name} has no batch to cancel yet (${BATCH_STATUS_LABEL[row.status]})`;
	return null;
}

export interface BatchProgress {
	/** Requests the provider has answered (completed or failed), across every part. */
	readonly done: number;
	readonly failed: number;
	readonly requests: number;
	readonly partsEnded: number;
	readonly parts: number;
}

/** The whole run's progress from its rows. */
export function batchProgress(rows: readonly BatchRow[]): BatchProgress {
	let done = 0;
	let failed = 0;
	let requests = 0;
	let partsEnded = 0;
	for (const row of rows) {
		done += row.completed + row.failed;
		failed += row.failed;
		requests += row.requests;
		if (batchEnded(row)) partsEnded++;
	}
	return {done, failed, requests, partsEnded, parts: rows[0]?.parts ?? rows.length};
}

/** Since the batch was created, or how long it took once it ended; null before it exists. */
export function batchElapsedMs(row: BatchRow, now: number): number | null {
	if (row.createdAt == null) return null;
	return Math.max(0, (row.endedAt ?? now) - row.createdAt);
}

/**
 * An id cut to `width` columns, keeping its head and its last four characters (the end
 * tells two ids of one provider apart; the head says what it is).
 */
export function shortenId(id: string, width: number): string {
	if (id.length <= width) return id;
	if (width <= 0) return '';
	if (width < 10) return `${id.slice(0, width - 1)}…`;
	return `${id.slice(0, width - 5)}…${id.slice(-4)}`;
}

/** The first rows to show of `total` when `shown` fit and the cursor must be among them. */
export function batchWindow(total: number, shown: number, cursor: number): number {
	if (shown <= 0 || total <= shown) return 0;
	return Math.min(total - shown, Math.max(0, cursor - shown + 1));
}
