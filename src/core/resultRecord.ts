/** A job's line of the results file (DESIGN.md "Results"), made from the engine's own facts. */
import type {AttemptResult} from './client.js';
import {errorForRecord} from './errors.js';
import type {JobRuntime} from './jobRuntime.js';
import type {ApiName, ErrorInfo, FinalStatus, ResultRecord} from './types.js';

/** The answer a succeeded job ends with. */
export interface Answer {
	readonly result: AttemptResult;
	readonly startedAt: number;
	readonly endedAt: number;
}

/**
 * `apiFor` names the API a job that never reached one would have used; `condensedFrom`
 * what ties a condensed input to the input it was made from.
 */
export function recordOf(
	job: JobRuntime,
	status: FinalStatus,
	error: ErrorInfo | null,
	answer: Answer | null,
	now: number,
	apiFor?: (job: JobRuntime) => ApiName,
	condensedFrom?: (job: JobRuntime) => string,
): ResultRecord {
	const summarized = job.condensedInput != null;
	return {
		id: job.spec.id,
		line: job.spec.line,
		status,
		output: answer ? answer.result.text : null,
		truncated: answer ? answer.result.truncated : false,
		error: error ? errorForRecord(error) : null,
		attempts: job.attemptsTotal,
		usage: answer ? answer.result.usage : null,
		model: answer?.result.model ?? job.model,
		latency_ms: answer ? answer.endedAt - answer.startedAt : job.latencyMs,
		started_at: job.firstStartedAt != null ? new Date(job.firstStartedAt).toISOString() : null,
		finished_at: new Date(now).toISOString(),
		request_id: answer ? answer.result.requestId : (error?.requestId ?? job.requestId ?? null),
		api: answer?.result.api ?? job.api ?? apiFor?.(job) ?? job.request.api ?? 'responses',
		...(job.spec.inputTruncated ? {input_truncated: true} : {}),
		...(summarized ? {input_summarized: true} : {}),
		...(job.summaryUsage ? {summary_usage: job.summaryUsage} : {}),
		// What --resume needs to send it again without condensing again (a success is not sent again).
		...(summarized && status !== 'succeeded' ? {condensed_input: job.condensedInput!, ...(condensedFrom ? {condensed_from: condensedFrom(job)} : {})} : {}),
	};
}
