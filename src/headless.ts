/** Plain-line output for runs without the dashboard (CI, pipes, `--no-tui`). */
import {EXIT} from './exitCodes.js';
import type {EngineEvent, RunSummary} from './core/engine.js';
import type {WriterEvent} from './core/resultsWriter.js';
import {formatInt, formatUsd} from './core/format.js';
import {pad} from './core/terminalText.js';
import type {PreparedRun} from './runBatch.js';
import {explainStop} from './stopAdvice.js';

export function formatElapsed(ms: number): string {
	return `+${(ms / 1000).toFixed(2).padStart(7)}s`;
}

export function formatWait(ms: number): string {
	return ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
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
				const condensed = r.summary_usage ? ` (condensed: ${r.summary_usage.calls} calls, in ${r.summary_usage.input_tokens} out ${r.summary_usage.output_tokens})` : '';
			return `${at}  ${pad(r.id, 14)} ${r.truncated ? 'truncated' : 'ok       '} attempt ${r.attempts}${latency}${tokens}${condensed}`;
			}
			const e = r.error;
			const what = e ? `${e.kind}${e.status ? ` ${e.status}` : ''}: ${e.message}` : '';
			return `${at}  ${pad(r.id, 14)} ${pad(r.status, 9)}attempt ${r.attempts} ${what}`;
		}
		case 'condensed': {
			const tokens = event.usage ? ` in ${event.usage.input_tokens} out ${event.usage.output_tokens}` : '';
			return `${at}  ${pad(event.id, 14)} condense ${event.call}/${event.of} ${event.latencyMs}ms${tokens}`;
		}
		case 'stopping':
			return `${at}  stopping: ${explainStop(event.reason, event.kind)}`;
		case 'api':
			return `${at}  api: ${event.note}`;
		case 'unexpected':
			return `${at}  ${pad(event.id, 14)} BUG      ${event.error.message}${event.error.stack ? `\n${event.error.stack}` : ''}`;
	}
}

/** One line when the results file stops taking records, one when it takes them again; null for the rest. */
export function formatResultsEvent(event: WriterEvent, startedAt: number): string | null {
	const at = formatElapsed(event.at - startedAt);
	switch (event.type) {
		case 'write-failed': {
			const inFlight = event.inFlight ? `, the ${event.inFlight} in flight finish` : '';
			return (
				`${at}  on hold: cannot write ${event.failure.path}: ${event.failure.message}. ` +
				`Sending is paused${inFlight} and results are kept in memory; pacer tries again every second and goes on by itself ` +
				`when there is room. Ctrl+C saves them to a fallback file.`
			);
		}
		case 'write-recovered':
			return `${at}  going on: ${event.path} takes results again; wrote the ${event.written} held (held ${formatWait(event.heldMs)})`;
		case 'recreated':
			return `${at}  ${event.path} was removed during the run: made it again with the ${event.records} result(s) written so far`;
		case 'held':
		case 'fallback':
			return null;
	}
}

/** The exit status when some results are in a fallback file instead of `--out` (sysexits' EX_TEMPFAIL). */

/**
 * What to tell a person after a run whose `--out` would not take everything (on stderr),
 * and the exit status that follows: EXIT.fallback whenever results are outside `--out`.
 */
export function fallbackReport(run: Pick<PreparedRun, 'fallback' | 'compactError' | 'outPath'>): {lines: string[]; exitCode: number | null} {
	const lines: string[] = [];
	if (run.compactError) lines.push(`pacer: ${run.compactError}; it is valid as it is (where an id has two records the last counts, as --resume reads it)`);
	const saved = run.fallback;
	if (!saved) return {lines, exitCode: null};
	if (saved.path) {
		lines.push(
			`pacer: ${saved.records} result(s) could not be written to ${run.outPath}; saved them to ${saved.path}. ` +
				`Make room, then run again with --resume: it merges that file into ${run.outPath} and sends none of them again.`,
		);
	} else {
		const tried = saved.failures.map(f => `${f.path}: ${f.message}`).join('; ');
		lines.push(
			`pacer: ${saved.unsaved.length} result(s) could not be written to ${run.outPath}, nor to a fallback file (${tried}); ` +
				'they follow on stderr, one JSON record a line:',
		);
		for (const line of saved.unsaved) lines.push(line.trimEnd());
	}
	return {lines, exitCode: EXIT.fallback};
}

export interface SummaryContext {
	readonly outPath: string | null;
	readonly alreadyDone: number;
}

/** Prompts of the run that have no end yet (still at the provider after a detach, or cut off by a stop). */
function unfinished(summary: RunSummary): number {
	return summary.total - summary.succeeded - summary.failed - summary.cancelled - summary.skipped;
}

export function formatSummary(summary: RunSummary, context: SummaryContext): string {
	const lines: string[] = [];
	const total = summary.total + context.alreadyDone;
	lines.push(
		`pacer: ${total} prompt${total === 1 ? '' : 's'} in ${(summary.wallMs / 1000).toFixed(1)}s: ` +
			`${summary.succeeded + context.alreadyDone} succeeded${context.alreadyDone ? ` (${context.alreadyDone} from an earlier run)` : ''}, ` +
			`${summary.failed} failed, ${summary.cancelled} cancelled, ${summary.skipped} skipped` +
			(unfinished(summary) > 0 ? `, ${unfinished(summary)} not finished` : '') +
			(summary.truncated ? `; ${summary.truncated} cut at max_output_tokens` : ''),
	);
	lines.push(
		`attempts ${formatInt(summary.attempts)} (${formatInt(summary.retries)} retries, ${formatInt(summary.rateLimited)} × 429)  ` +
			`tokens in ${formatInt(summary.tokensIn)} (cached ${formatInt(summary.cachedTokens)}) ` +
			`out ${formatInt(summary.tokensOut)} (reasoning ${formatInt(summary.reasoningTokens)})  ` +
			`cost ${formatUsd(summary.costUsd)}${summary.costComplete || summary.costUsd == null ? '' : ' + unknown'}`,
	);
	const condensed = summary.summarized;
	if (condensed && condensed.calls > 0) {
		lines.push(
			`condensed: ${condensed.prompts} prompt${condensed.prompts === 1 ? '' : 's'} in ${formatInt(condensed.calls)} call${condensed.calls === 1 ? '' : 's'}, ` +
				`tokens in ${formatInt(condensed.tokensIn)} out ${formatInt(condensed.tokensOut)}, cost ${formatUsd(condensed.costUsd)} (in the totals above)`,
		);
	}
	if (summary.budget) {
		const b = summary.budget;
		const parts: string[] = [];
		if (b.tokens != null) parts.push(`${formatInt(b.spentTokens)} of ${formatInt(b.tokens)} tokens (${formatInt(b.tokens - b.spentTokens)} left)`);
		if (b.usd != null) parts.push(`${formatUsd(b.spentUsd)} of ${formatUsd(b.usd)} (${formatUsd(b.usd - b.spentUsd)} left)`);
		lines.push(`budget: ${parts.join(', ')}`);
	}
	if (summary.apiNote) lines.push(`api: ${summary.apiNote}`);
	else if (summary.api === 'chat' || summary.api === 'both') lines.push(`api: ${summary.api === 'chat' ? 'Chat Completions' : 'Responses and Chat Completions'}`);
	if (summary.stopReason) lines.push(`stopped: ${explainStop(summary.stopReason, summary.stopKind)}`);
	if (context.outPath) lines.push(`results: ${context.outPath}`);
	return lines.join('\n');
}

/** DESIGN.md's exit status for a finished run. */
export function exitCodeFor(summary: RunSummary): number {
	// A prompt that has not ended (its batch left at the provider by a detach, a stop) has not succeeded either.
	return summary.succeeded === summary.total ? EXIT.ok : EXIT.someFailed;
}
