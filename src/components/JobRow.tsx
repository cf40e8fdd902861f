import {Box, Text} from 'ink';
import {memo, useMemo} from 'react';
import {pad} from '../core/terminalText.js';
import type {JobSnapshot} from '../core/runSink.js';
import {formatCompact, formatSeconds, oneLine, STATUS_GLYPH} from './format.js';
import type {TableColumns} from './layout.js';
import {useTheme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface JobRowProps {
	readonly view: RunView;
	readonly id: string;
	readonly selected: boolean;
	readonly columns: TableColumns;
	/** The injected clock's time: countdowns and running latencies. */
	readonly now: number;
}

/** The status cell: a waiting job counts down to its retry; a failed one says why. */
export function statusText(job: JobSnapshot, now: number): string {
	switch (job.status) {
		case 'running':
			return job.condensing ? `condensing ${job.condensing.call}/${job.condensing.of}` : 'running';
		case 'waiting':
			return `retry in ${formatSeconds(Math.max(0, (job.retryAt ?? now) - now))}`;
		case 'succeeded':
			return job.truncated ? 'truncated' : 'done';
		case 'failed':
			return job.error ? `${job.error.kind}${job.error.status ? ` ${job.error.status}` : ''}` : 'failed';
		case 'skipped':
			return job.error?.kind === 'budget' ? 'skipped budget' : 'skipped';
		default:
			return job.status;
	}
}

function latencyText(job: JobSnapshot, now: number): string {
	if (job.status === 'running' && job.startedAt != null) return formatSeconds(now - job.startedAt);
	return job.latencyMs == null ? '' : formatSeconds(job.latencyMs);
}

/**
 * One job as one line of the table. Its row is read from the table when the run's
 * version moves (a primitive, so the selector is stable): only the rows on screen are made.
 */
export const JobRow = memo(function JobRow({view, id, selected, columns, now}: JobRowProps) {
	const theme = useTheme();
	const version = useRunView(view, state => state.version);
	// eslint-disable-next-line react-hooks/exhaustive-deps
	const job = useMemo(() => view.getState().jobs.get(id), [view, id, version]);
	if (!job) return <Text> </Text>;
	const live = job.status === 'running' || job.status === 'waiting';
	const cell = (text: string, width: number, align: 'left' | 'right' = 'left') => pad(oneLine(text, width), width, align);
	// The glyph apart from the words: a cell of its own, one character wide.
	const words = cell(statusText(job, live ? now : 0), columns.status - 2);
	// Three texts rather than one: Ink measures every text's width on every frame, and only
	// printable ASCII takes string-width's fast path (measured: 2 µs for a row of ASCII,
	// 100 µs with one glyph in it). The glyph gets a text of its own.
	return (
		<Box>
			<Text wrap="truncate" inverse={selected}>
				<Text color={theme.accent}>{selected ? '›' : ' '}</Text>
				{` ${cell(String(job.line), columns.line, 'right')} ${cell(job.id, columns.id)} `}
			</Text>
			<Text wrap="truncate" inverse={selected} color={theme.status[job.status]}>
				{STATUS_GLYPH[job.status]}
			</Text>
			<Text wrap="truncate" inverse={selected}>
				<Text color={theme.status[job.status]}>{` ${words}`}</Text>
				{` ${cell(job.attempts ? String(job.attempts) : '', columns.attempts, 'right')} `}
				{cell(job.tokensIn == null ? '' : formatCompact(job.tokensIn), columns.tokensIn, 'right')}
				{' '}
				<Text color={job.status === 'running' ? theme.status.running : undefined}>
					{cell(job.tokensOut || job.status === 'succeeded' ? formatCompact(job.tokensOut) : '', columns.tokensOut, 'right')}
				</Text>
				{' '}
				<Text color={job.status === 'running' ? theme.muted : undefined}>{cell(latencyText(job, now), columns.latency, 'right')}</Text>
				{columns.prompt > 0 ? <Text color={theme.muted}>{` ${cell(job.text, columns.prompt)}`}</Text> : null}
			</Text>
		</Box>
	);
});
