import {Box, Text} from 'ink';
import {JOB_STATUSES, type JobStatus} from '../core/types.js';
import type {StatusCounts} from '../store/runStore.js';
import {formatInt, STATUS_GLYPH} from './format.js';
import {useTheme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface ProgressProps {
	readonly view: RunView;
	readonly width: number;
}

const LONG: Record<JobStatus, string> = {
	queued: 'queued',
	running: 'in flight',
	waiting: 'waiting to retry',
	succeeded: 'succeeded',
	failed: 'failed',
	cancelled: 'cancelled',
	skipped: 'skipped',
};
const SHORT: Record<JobStatus, string> = {
	queued: 'queued',
	running: 'run',
	waiting: 'wait',
	succeeded: 'ok',
	failed: 'fail',
	cancelled: 'cancel',
	skipped: 'skip',
};

/** The bar's segments, left to right: what ended, what is in the air, what waits. */
const SEGMENTS: ReadonlyArray<{statuses: readonly JobStatus[]; char: string}> = [
	{statuses: ['succeeded'], char: '█'},
	{statuses: ['failed'], char: '▓'},
	{statuses: ['cancelled', 'skipped'], char: '▓'},
	{statuses: ['running'], char: '▒'},
	{statuses: ['waiting'], char: '▒'},
	{statuses: ['queued'], char: '░'},
];

/** Cuts `width` cells into segments proportional to `values`, summing exactly to `width`. */
export function splitCells(values: readonly number[], width: number): number[] {
	const total = values.reduce((a, b) => a + b, 0);
	if (total === 0) return values.map((_, i) => (i === values.length - 1 ? width : 0));
	let before = 0;
	let cumulative = 0;
	return values.map(value => {
		cumulative += value;
		const end = Math.round((cumulative / total) * width);
		const cells = end - before;
		before = end;
		return cells;
	});
}

function countsLine(counts: StatusCounts, width: number): {status: JobStatus; text: string}[] {
	for (const labels of [LONG, SHORT, null]) {
		const parts = JOB_STATUSES.map(status => ({
			status,
			text: `${STATUS_GLYPH[status]} ${formatInt(counts[status])}${labels ? ` ${labels[status]}` : ''}`,
		}));
		const length = parts.reduce((sum, part) => sum + part.text.length + 2, -2);
		if (length <= width || labels === null) return parts;
	}
	return [];
}

/** A stacked bar of the batch by status, and the count of each status. */
export function Progress({view, width}: ProgressProps) {
	const theme = useTheme();
	const counts = useRunView(view, state => state.counts);
	const total = JOB_STATUSES.reduce((sum, status) => sum + counts[status], 0);
	const ended = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
	const percent = total === 0 ? 0 : Math.floor((ended / total) * 100);
	const label = ` ${formatInt(ended)}/${formatInt(total)} ${String(percent).padStart(3)}%`;
	const barWidth = Math.max(4, width - label.length);
	const cells = splitCells(
		SEGMENTS.map(segment => segment.statuses.reduce((sum, status) => sum + counts[status], 0)),
		barWidth,
	);
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				{SEGMENTS.map((segment, i) => (
					<Text key={i} color={segment.statuses[0] === 'queued' ? theme.barEmpty : theme.status[segment.statuses[0]]}>
						{segment.char.repeat(cells[i])}
					</Text>
				))}
				<Text bold>{label}</Text>
			</Text>
			<Text wrap="truncate">
				{countsLine(counts, width).map((part, i) => (
					<Text key={part.status} color={theme.status[part.status]} dimColor={counts[part.status] === 0}>
						{i > 0 ? '  ' : ''}
						{part.text}
					</Text>
				))}
			</Text>
		</Box>
	);
}
