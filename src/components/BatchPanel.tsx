import {Box, Text} from 'ink';
import type {BatchRow, BatchStatus} from '../batch/batchRow.js';
import {formatCompact, formatElapsedClock, formatInt} from './format.js';
import {BATCH_STATUS_LABEL, BATCH_STATUS_WIDTH, batchElapsedMs, batchEnded, batchProgress, batchWindow, shortenId} from './batchView.js';
import {useTheme, type Colour, type Theme} from './theme.js';

export interface BatchPanelProps {
	readonly batches: readonly BatchRow[];
	readonly width: number;
	/** Rows it may draw: the progress line, then one row a batch. */
	readonly rows: number;
	/** The injected clock's time, for the elapsed time of a batch under way. */
	readonly now: number;
	/** Index of the batch the cancel key acts on (`[` and `]` move it). */
	readonly cursor: number;
}

/** Batches shown at most; the others are counted on the progress line. */
const MAX_BATCH_ROWS = 5;

/** Rows a panel of `batches` wants: the progress line and one a batch, at most MAX_BATCH_ROWS batches. */
export function batchPanelRows(batches: number): number {
	return 1 + Math.min(MAX_BATCH_ROWS, Math.max(1, batches));
}

function statusColour(status: BatchStatus, theme: Theme): Colour {
	switch (status) {
		case 'completed':
		case 'collected':
			return theme.ok;
		case 'failed':
			return theme.danger;
		case 'expired':
			return theme.warning;
		case 'cancelling':
		case 'cancelled':
			return theme.status.cancelled;
		case 'in_progress':
		case 'finalizing':
		case 'collecting':
			return theme.status.running;
		default:
			return theme.muted;
	}
}

/** One batch's cells as text, before they are padded into columns. */
export function batchCells(row: BatchRow, now: number) {
	const elapsed = batchElapsedMs(row, now);
	return {
		part: `${row.part}/${row.parts}`,
		lines: row.firstLine === row.lastLine ? `line ${row.firstLine}` : `lines ${row.firstLine}–${row.lastLine}`,
		status: BATCH_STATUS_LABEL[row.status],
		completed: `${formatCompact(row.completed)}✓`,
		failed: `${formatCompact(row.failed)}✗`,
		requests: `of ${formatCompact(row.requests)}`,
		elapsed: elapsed == null ? '–' : formatElapsedClock(elapsed),
		id: row.batchId ?? row.fileId ?? '',
	};
}

const widest = (texts: readonly string[]) => Math.max(0, ...texts.map(text => text.length));

/** The batches of a `--batch-api` run: the whole run's progress, then a row a batch. */
export function BatchPanel({batches, width, rows, now, cursor}: BatchPanelProps) {
	const theme = useTheme();
	const sep = <Text color={theme.muted}> · </Text>;
	const progress = batchProgress(batches);
	const fit = Math.max(0, Math.min(rows - 1, batches.length));
	const first = batchWindow(batches.length, fit, cursor);
	const shown = batches.slice(first, first + fit);
	const cells = shown.map(row => batchCells(row, now));
	const w = {
		part: widest(cells.map(c => c.part)),
		lines: widest(cells.map(c => c.lines)),
		completed: widest(cells.map(c => c.completed)),
		failed: widest(cells.map(c => c.failed)),
		requests: widest(cells.map(c => c.requests)),
		elapsed: widest(cells.map(c => c.elapsed)),
	};
	const used = 2 + w.part + 1 + w.lines + 1 + BATCH_STATUS_WIDTH + 1 + w.completed + 1 + w.failed + 1 + w.requests + 1 + w.elapsed + 1;
	const idWidth = Math.max(0, width - used);
	const hidden = batches.length - shown.length;
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				<Text color={theme.accent}>batches</Text>
				{batches.length === 0 ? (
					<Text color={theme.muted}> preparing the request files…</Text>
				) : (
					<>
						{sep}
						{formatInt(progress.done)}/{formatInt(progress.requests)}
						<Text color={theme.muted}> requests</Text>
						{progress.failed > 0 ? <Text color={theme.danger}> ({formatInt(progress.failed)} failed)</Text> : null}
						{sep}
						{progress.partsEnded}/{progress.parts}
						<Text color={theme.muted}> parts done</Text>
						{hidden > 0 ? <Text color={theme.muted}> · +{hidden} more</Text> : null}
					</>
				)}
			</Text>
			{shown.map((row, i) => {
				const c = cells[i]!;
				const selected = first + i === cursor;
				const ended = batchEnded(row);
				// A note (why it failed, expired, was cancelled) matters more than the id's middle.
				const idCap = row.note ? Math.min(idWidth, Math.max(12, idWidth - 1 - row.note.length)) : idWidth;
				return (
					<Text key={row.part} wrap="truncate">
						<Text color={theme.accent}>{selected ? '›' : ' '}</Text> {c.part.padStart(w.part)} <Text color={theme.muted}>{c.lines.padEnd(w.lines)}</Text>{' '}
						<Text color={statusColour(row.status, theme)}>{c.status.padEnd(BATCH_STATUS_WIDTH)}</Text> <Text color={row.completed > 0 ? theme.ok : theme.muted}>{c.completed.padStart(w.completed)}</Text>{' '}
						<Text color={row.failed > 0 ? theme.danger : theme.muted}>{c.failed.padStart(w.failed)}</Text> <Text color={theme.muted}>{c.requests.padEnd(w.requests)}</Text>{' '}
						<Text color={ended ? theme.muted : undefined}>{c.elapsed.padStart(w.elapsed)}</Text> <Text color={theme.muted}>{shortenId(c.id, idCap)}</Text>
						{row.note ? <Text color={row.status === 'failed' ? theme.danger : theme.warning}> {row.note}</Text> : null}
					</Text>
				);
			})}
		</Box>
	);
}
