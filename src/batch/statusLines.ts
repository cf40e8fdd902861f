/**
 * Headless, a `--batch-api` run prints one line each time a batch's status changes:
 * `batch 2/3 batch_abc in_progress 120/500 done, 3 failed`.
 */
import type {BatchRow} from './batchRow.js';

export function formatBatchRow(row: BatchRow): string {
	const id = row.batchId ?? row.fileId ?? 'not created';
	const counts = row.batchId ? ` ${row.completed + row.failed}/${row.requests} done${row.failed > 0 ? `, ${row.failed} failed` : ''}` : ` ${row.requests} requests (lines ${row.firstLine}-${row.lastLine})`;
	return `batch ${row.part}/${row.parts} ${id} ${row.status}${counts}${row.note ? `: ${row.note}` : ''}`;
}

/** A listener for `onBatches` that hands each status change to `print`, once. */
export function statusChangePrinter(print: (line: string) => void): (rows: readonly BatchRow[]) => void {
	const last = new Map<number, string>();
	return rows => {
		for (const row of rows) {
			if (last.get(row.part) === row.status) continue;
			last.set(row.part, row.status);
			print(formatBatchRow(row));
		}
	};
}
