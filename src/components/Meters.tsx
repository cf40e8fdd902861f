import {Box, Text} from 'ink';
import type {LimitSource} from '../core/limiter.js';
import type {BudgetFigures, Totals} from '../store/runStore.js';
import {formatCompact, formatInt, formatUsd} from './format.js';
import {useTheme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface MetersProps {
	readonly view: RunView;
	readonly width: number;
}

/** Spent money; a model without a known price makes the figure (partly) unknown, never 0. */
export function costText(totals: Pick<Totals, 'costUsd' | 'unpricedJobs'>): string {
	if (totals.unpricedJobs > 0) return totals.costUsd > 0 ? `${formatUsd(totals.costUsd)} + unknown` : 'unknown';
	return formatUsd(totals.costUsd);
}

export function budgetText(budget: BudgetFigures): string | null {
	const parts: string[] = [];
	if (budget.tokens != null) {
		parts.push(`${formatCompact(budget.spentTokens)}/${formatCompact(budget.tokens)} tokens (${formatCompact(Math.max(0, budget.tokens - budget.spentTokens))} left)`);
	}
	if (budget.usd != null) {
		parts.push(`${formatUsd(budget.spentUsd)}/${formatUsd(budget.usd)} (${formatUsd(Math.max(0, budget.usd - budget.spentUsd))} left)`);
	}
	return parts.length ? `budget ${parts.join(' · ')}` : null;
}

const SOURCE: Record<NonNullable<LimitSource>, string> = {
	flags: '',
	headers: ' (learned)',
	'flags+headers': ' (caps + learned)',
};

/** Tokens, cost and budget; the request and token rates against their limits and the concurrency in force; 429s and retries. */
export function Meters({view, width}: MetersProps) {
	const theme = useTheme();
	const totals = useRunView(view, state => state.totals);
	const rate = useRunView(view, state => state.rate);
	const budget = useRunView(view, state => state.budget);
	const budgetLine = budgetText(budget);
	// A Batch API run has no per-minute pacing or concurrency to show: its batches say how it goes.
	const batchRun = useRunView(view, state => state.batches != null);
	const near = (now: number, limit: number | null) => (limit != null && now >= limit * 0.9 ? theme.warning : undefined);
	const sep = <Text color={theme.muted}> · </Text>;
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				<Text color={theme.muted}>tokens in </Text>
				{formatInt(totals.tokensIn)}
				<Text color={theme.muted}> out </Text>
				{formatInt(totals.tokensOut)}
				{sep}
				<Text color={theme.muted}>cost </Text>
				{costText(totals)}
				{budgetLine ? (
					<>
						{sep}
						<Text color={budget.tokens != null && budget.spentTokens >= budget.tokens * 0.9 ? theme.warning : undefined}>{budgetLine}</Text>
					</>
				) : null}
			</Text>
			{batchRun ? (
				<Text wrap="truncate" color={theme.muted}>
					Batch API · half price · no per-minute limits · done within 24 h
				</Text>
			) : (
				<Text wrap="truncate">
					<Text color={theme.muted}>rpm </Text>
					<Text color={near(rate.rpmNow, rate.rpmLimit)}>{formatCompact(rate.rpmNow)}</Text>
					<Text color={theme.muted}>/{rate.rpmLimit == null ? '–' : formatCompact(rate.rpmLimit)}</Text>
					{sep}
					<Text color={theme.muted}>tpm </Text>
					<Text color={near(rate.tpmNow, rate.tpmLimit)}>{formatCompact(rate.tpmNow)}</Text>
					<Text color={theme.muted}>
						/{rate.tpmLimit == null ? '–' : formatCompact(rate.tpmLimit)}
						{rate.limitSource ? SOURCE[rate.limitSource] : ''}
					</Text>
					{sep}
					{/* Pacing together, before the counts: at 80 columns the line's tail is what gets cut. */}
					<Text color={theme.muted}>concurrency </Text>
					{rate.concurrency}
					<Text color={theme.muted}> {rate.concurrencyMode}</Text>
					{sep}
					<Text color={totals.rateLimited > 0 ? theme.warning : theme.muted}>429s {formatInt(totals.rateLimited)}</Text>
					{sep}
					<Text color={theme.muted}>retries </Text>
					{formatInt(totals.retries)}
				</Text>
			)}
		</Box>
	);
}
