/** Plain-line output for runs without the dashboard (CI, pipes, `--no-tui`). */
import type {EngineEvent, RunSummary} from './core/engine.js';

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

export function formatElapsed(ms: number): string {
	return `+${(ms / 1000).toFixed(2).padStart(7)}s`;
}

export function formatWait(ms: number): string {
	return ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

export function formatInt(n: number): string {
	return Math.round(n).toLocaleString('en-US');
}

export function formatUsd(usd: number | null): string {
	if (usd == null) return 'unknown';
	return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

/** One line per retry and per finished prompt; null for events that print nothing. */
export function formatEvent(event: EngineEvent, startedAt: number): string | null {
	const at = formatElapsed(event.at - startedAt);
	switch (event.type) {
		case 'retry': {
			const e = event.error;
			return `${at}  ${pad(event.id, 14)} retry    attempt ${event.attempt} ${e.kind}${e.status ? ` ${e.status}` : ''}, waiting ${formatWait(event.waitMs)}: ${e.message}`;
		}
		case 'finished': {
			const r = event.record;
			const tokens = r.usage ? ` in ${r.usage.input_tokens} out ${r.usage.output_tokens}` : '';
			const latency = r.latency_ms != null ? ` ${r.latency_ms}ms` : '';
			if (r.status === 'succeeded') {
				return `${at}  ${pad(r.id, 14)} ${r.truncated ? 'truncated' : 'ok       '} attempt ${r.attempts}${latency}${tokens}`;
			}
			const e = r.error;
			const what = e ? `${e.kind}${e.status ? ` ${e.status}` : ''}: ${e.message}` : '';
			return `${at}  ${pad(r.id, 14)} ${pad(r.status, 9)}attempt ${r.attempts} ${what}`;
		}
		case 'stopping':
			return `${at}  stopping: ${event.reason}`;
		case 'unexpected':
			return `${at}  ${pad(event.id, 14)} BUG      ${event.error.message}${event.error.stack ? `\n${event.error.stack}` : ''}`;
	}
}

export interface SummaryContext {
	readonly outPath: string | null;
	readonly alreadyDone: number;
}

export function formatSummary(summary: RunSummary, context: SummaryContext): string {
	const lines: string[] = [];
	const total = summary.total + context.alreadyDone;
	lines.push(
		`pacer: ${total} prompt${total === 1 ? '' : 's'} in ${(summary.wallMs / 1000).toFixed(1)}s: ` +
			`${summary.succeeded + context.alreadyDone} succeeded${context.alreadyDone ? ` (${context.alreadyDone} from an earlier run)` : ''}, ` +
			`${summary.failed} failed, ${summary.cancelled} cancelled, ${summary.skipped} skipped` +
			(summary.truncated ? `; ${summary.truncated} cut at max_output_tokens` : ''),
	);
	lines.push(
		`attempts ${formatInt(summary.attempts)} (${formatInt(summary.retries)} retries, ${formatInt(summary.rateLimited)} × 429)  ` +
			`tokens in ${formatInt(summary.tokensIn)} (cached ${formatInt(summary.cachedTokens)}) ` +
			`out ${formatInt(summary.tokensOut)} (reasoning ${formatInt(summary.reasoningTokens)})  ` +
			`cost ${formatUsd(summary.costUsd)}${summary.costComplete || summary.costUsd == null ? '' : ' + unknown'}`,
	);
	if (summary.budget) {
		const b = summary.budget;
		const parts: string[] = [];
		if (b.tokens != null) parts.push(`${formatInt(b.spentTokens)} of ${formatInt(b.tokens)} tokens (${formatInt(b.tokens - b.spentTokens)} left)`);
		if (b.usd != null) parts.push(`${formatUsd(b.spentUsd)} of ${formatUsd(b.usd)} (${formatUsd(b.usd - b.spentUsd)} left)`);
		lines.push(`budget: ${parts.join(', ')}`);
	}
	if (summary.stopReason) lines.push(`stopped: ${summary.stopReason}`);
	if (context.outPath) lines.push(`results: ${context.outPath}`);
	return lines.join('\n');
}

/** DESIGN.md's exit status for a finished run. */
export function exitCodeFor(summary: RunSummary): number {
	return summary.failed + summary.cancelled + summary.skipped === 0 ? 0 : 1;
}
