import {Box, Text} from 'ink';
import {useMemo, type ReactNode} from 'react';
import type {AttemptInfo, ErrorInfo} from '../core/types.js';
import {formatInt, formatSeconds, oneLine, STATUS_GLYPH, wrapLines} from './format.js';
import {statusText} from './JobRow.js';
import {useTheme} from './theme.js';
import {useJobRecord, type RecordLoad} from './useJobRecord.js';
import {useRunView, type RunView} from './useRunView.js';

export interface DetailPaneProps {
	readonly view: RunView;
	readonly id: string | null;
	readonly width: number;
	readonly height: number;
	readonly now: number;
	/** Where an ended job's whole reply is read back from. @default null (the start the store keeps) */
	readonly outPath?: string | null;
}

const LABEL = 10;

export function errorLine(error: ErrorInfo): string {
	const where = [error.kind, error.status, error.code].filter(part => part != null && part !== '').join(' ');
	return `${where}: ${error.message}`;
}

export function attemptLine(attempt: AttemptInfo, runStartedAt: number): string {
	const outcome = attempt.error ? `${attempt.outcome} ${attempt.error.kind}${attempt.error.status ? ` ${attempt.error.status}` : ''}` : attempt.outcome;
	const wait = attempt.waitMs != null ? ` · retry after ${formatSeconds(attempt.waitMs)}` : '';
	const call = attempt.call ? `${attempt.call}  ` : '';
	const usage = attempt.usage ? ` · in ${formatInt(attempt.usage.input_tokens)} out ${formatInt(attempt.usage.output_tokens)}` : '';
	return `#${attempt.n}  ${call}at +${formatSeconds(attempt.startedAt - runStartedAt)}  took ${formatSeconds(attempt.endedAt - attempt.startedAt)}  ${outcome}${usage}${wait}`;
}

function Field({label, lines, colour, labelColour}: {label: string; lines: readonly string[]; colour?: string; labelColour?: string}): ReactNode {
	return lines.map((line, i) => (
		<Text key={i} wrap="truncate">
			<Text color={labelColour}>{(i === 0 ? label : '').padEnd(LABEL)}</Text>
			<Text color={colour}>{line}</Text>
		</Text>
	));
}

/** What the output field says of an ended job while its record is read, or when it cannot be. */
function outputNote(load: RecordLoad): string | null {
	if (load.state === 'loading') return '(reading the reply from the results file…)';
	if (load.state === 'missing') return '(the rest is not in the results file yet)';
	if (load.state === 'failed') return `(the results file could not be read: ${load.message})`;
	if (load.state === 'idle') return '(its start only: no results file to read the rest from)';
	return null;
}

/** Everything about one job: prompt, the reply so far (an ended job's whole reply from the results file), the error, every attempt. */
export function DetailPane({view, id, width, height, now, outPath = null}: DetailPaneProps) {
	const theme = useTheme();
	const version = useRunView(view, state => state.version);
	// eslint-disable-next-line react-hooks/exhaustive-deps
	const job = useMemo(() => (id == null ? undefined : view.getState().jobs.get(id)), [view, id, version]);
	const runStartedAt = useRunView(view, state => state.run.startedAt) ?? 0;
	const load = useJobRecord(outPath, job);
	if (!job) {
		return (
			<Box height={height}>
				<Text color={theme.muted}>no job selected</Text>
			</Box>
		);
	}
	const record = load.state === 'loaded' && load.record.id === job.id ? load.record : null;
	const reply = record?.output ?? job.output;
	const ended = job.status !== 'running' && job.status !== 'waiting' && job.status !== 'queued';
	const note = record || job.outputWhole || !ended ? null : outputNote(load);
	const text = width - LABEL - 1;
	const title = [
		job.id,
		`line ${job.line}`,
		`${STATUS_GLYPH[job.status]} ${statusText(job, now)}`,
		`${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`,
		job.model,
		job.latencyMs != null ? `latency ${formatSeconds(job.latencyMs)}` : null,
		`in ${job.tokensIn == null ? '–' : formatInt(job.tokensIn)} out ${formatInt(job.tokensOut)}`,
		job.inputSummarized ? 'input condensed' : null,
		job.requestId ?? record?.request_id,
	].filter(Boolean);
	const prompt = wrapLines(job.text, text).slice(0, 3);
	const error = job.error ? wrapLines(errorLine(job.error), text).slice(0, 2) : [];
	const room = height - 1 - prompt.length - error.length - (note ? 1 : 0);
	const attempts = job.history.slice(-Math.max(1, Math.min(job.history.length, Math.floor(room / 2))));
	const skipped = job.history.length - attempts.length;
	const attemptLines = [...(skipped > 0 ? [`… ${skipped} earlier`] : []), ...attempts.map(a => attemptLine(a, runStartedAt))];
	const outputRoom = Math.max(1, room - attemptLines.length);
	const output = reply ? wrapLines(note ? `${reply}…` : reply, text).slice(note ? 0 : -outputRoom, note ? outputRoom : undefined) : [job.status === 'running' ? '(waiting for the first token)' : '(none)'];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate">
				{oneLine(title.join(' · '), width)}
			</Text>
			<Field label="prompt" lines={prompt} labelColour={theme.muted} />
			{error.length ? <Field label="error" lines={error} colour={theme.danger} labelColour={theme.muted} /> : null}
			{attemptLines.length ? <Field label="attempts" lines={attemptLines} labelColour={theme.muted} /> : null}
			<Field label={job.status === 'running' ? 'output…' : 'output'} lines={output} labelColour={theme.muted} />
			{note ? <Text color={theme.muted} wrap="truncate">{`${''.padEnd(LABEL)}${note}`}</Text> : null}
		</Box>
	);
}
