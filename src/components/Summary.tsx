import {Box, Text} from 'ink';
import {explainStop} from '../stopAdvice.js';
import {formatInt, formatSeconds} from './format.js';
import {budgetText, costText} from './Meters.js';
import {useTheme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface SummaryProps {
	readonly view: RunView;
	readonly width: number;
	/** Where the results are; null when kept in memory. */
	readonly outPath: string | null;
	/** 4, or 2 on a very short terminal. */
	readonly rows: number;
	/** The runner can retry jobs (a Batch API run cannot): only then does the line offer r / R. @default true */
	readonly canRetry?: boolean;
}

/** What the run came to, in place of the progress and meters once it has ended. */
export function Summary({view, width, outPath, rows, canRetry = true}: SummaryProps) {
	const theme = useTheme();
	const counts = useRunView(view, state => state.counts);
	const totals = useRunView(view, state => state.totals);
	const run = useRunView(view, state => state.run);
	const budget = useRunView(view, state => state.budget);
	const total = counts.succeeded + counts.failed + counts.cancelled + counts.skipped + counts.queued + counts.running + counts.waiting;
	const clean = counts.failed + counts.cancelled + counts.skipped === 0;
	const wall = run.startedAt != null && run.finishedAt != null ? run.finishedAt - run.startedAt : 0;
	const budgetLine = budgetText(budget);
	const notes = [
		run.stopReason ? `stopped: ${explainStop(run.stopReason, run.stopKind)}` : null,
		totals.truncated ? `${formatInt(totals.truncated)} cut at max_output_tokens` : null,
		budgetLine,
	].filter((note): note is string => note != null);
	const lines = [
		<Text key="outcome" wrap="truncate">
			<Text bold color={clean ? theme.ok : theme.warning}>
				{clean ? '✓' : '!'} done in {formatSeconds(wall)}
			</Text>
			{` · ${formatInt(total)} prompts: `}
			<Text color={theme.status.succeeded}>{formatInt(counts.succeeded)} succeeded</Text>
			{', '}
			<Text color={counts.failed ? theme.status.failed : undefined}>{formatInt(counts.failed)} failed</Text>
			{`, ${formatInt(counts.cancelled)} cancelled, ${formatInt(counts.skipped)} skipped`}
		</Text>,
		<Text key="spend" wrap="truncate">
			<Text color={theme.muted}>attempts </Text>
			{formatInt(totals.attempts)}
			<Text color={theme.muted}> ({formatInt(totals.retries)} retries, {formatInt(totals.rateLimited)} × 429) · tokens in </Text>
			{formatInt(totals.tokensIn)}
			<Text color={theme.muted}> out </Text>
			{formatInt(totals.tokensOut)}
			<Text color={theme.muted}> · cost </Text>
			{costText(totals)}
		</Text>,
		<Text key="notes" wrap="truncate" color={run.stopReason ? theme.warning : theme.muted}>
			{notes.join(' · ')}
		</Text>,
		<Text key="out" wrap="truncate" color={theme.muted}>
			{outPath ? `results → ${outPath}` : 'results kept in memory'}
			{canRetry ? '  ·  q to leave, r / R to retry' : '  ·  q to leave'}
		</Text>,
	];
	return (
		<Box flexDirection="column" width={width} height={rows}>
			{rows >= 4 ? lines : [lines[0], lines[3]]}
		</Box>
	);
}
