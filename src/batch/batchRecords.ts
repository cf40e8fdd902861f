/**
 * Lines of a batch's output and error files as pacer's result records (the schema of a
 * live run, with `batch_id`): a 200 line from its body (text, usage, `truncated` on an
 * incomplete reply), an HTTP failure classified as the live client's would be, the
 * provider's own failures (`batch_expired`, `batch_cancelled`) and lines the batch never
 * wrote, each with an error that says what happened.
 */
import {APIError} from 'openai';
import {chatUsageFrom} from '../core/chatClient.js';
import {classifyError, errorForRecord, kindFromApi} from '../core/errors.js';
import {outputText, usageFrom, type ResponseLike} from '../core/responsesClient.js';
import type {ApiName, ErrorKind, FinalStatus, ResultRecord, Usage} from '../core/types.js';

/** What a record needs of its job. */
export interface BatchJobFacts {
	readonly id: string;
	readonly line: number;
	readonly model: string;
	readonly api: ApiName;
	readonly inputTruncated?: boolean;
}

/** A batch line as the Batch API writes it. */
export interface OutputLine {
	readonly custom_id?: unknown;
	readonly response?: {readonly status_code?: unknown; readonly request_id?: unknown; readonly body?: unknown} | null;
	readonly error?: {readonly code?: unknown; readonly message?: unknown} | null;
}

export interface RecordContext {
	readonly batchId: string;
	/** Epoch ms the batch was created (the request's start, as far as pacer can know). */
	readonly startedAt: number | null;
	readonly now: number;
	/** @default 1, or 0 for `skipped` */
	readonly attempts?: number;
}

type RecordError = NonNullable<ResultRecord['error']>;

function base(job: BatchJobFacts, status: FinalStatus, context: RecordContext): ResultRecord {
	return {
		id: job.id,
		line: job.line,
		status,
		output: null,
		truncated: false,
		error: null,
		attempts: context.attempts ?? (status === 'skipped' ? 0 : 1),
		usage: null,
		model: job.model,
		latency_ms: null,
		started_at: context.startedAt != null && status !== 'skipped' ? new Date(context.startedAt).toISOString() : null,
		finished_at: new Date(context.now).toISOString(),
		request_id: null,
		api: job.api,
		...(job.inputTruncated ? {input_truncated: true} : {}),
		...(context.batchId ? {batch_id: context.batchId} : {}),
	};
}

/** A record with no answer: the batch failed, expired, was cancelled, dropped the line, or the run skipped it. */
export function recordWithout(job: BatchJobFacts, status: Exclude<FinalStatus, 'succeeded'>, error: RecordError, context: RecordContext): ResultRecord {
	return {...base(job, status, context), error};
}

interface ChatBodyLike {
	model?: string;
	choices?: Array<{message?: {content?: string | null} | null; finish_reason?: string | null}>;
	usage?: Parameters<typeof chatUsageFrom>[0];
}

function answerOf(api: ApiName, body: unknown): {text: string; usage: Usage | null; truncated: boolean; model: string | null} {
	if (api === 'chat') {
		const chat = body as ChatBodyLike;
		const choice = chat.choices?.[0];
		return {text: choice?.message?.content ?? '', usage: chatUsageFrom(chat.usage), truncated: choice?.finish_reason === 'length', model: chat.model ?? null};
	}
	const response = body as ResponseLike;
	const reason = response.status === 'incomplete' ? (response.incomplete_details?.reason ?? 'unknown') : null;
	return {text: outputText(response) ?? '', usage: usageFrom(response.usage), truncated: reason === 'max_output_tokens', model: response.model ?? null};
}

/** One line of an output or error file as its job's record. */
export function recordFromLine(line: OutputLine, job: BatchJobFacts, context: RecordContext): ResultRecord {
	const response = line.response;
	const requestId = typeof response?.request_id === 'string' ? response.request_id : null;
	const status = typeof response?.status_code === 'number' ? response.status_code : null;
	if (response && status !== null && status >= 200 && status < 300 && response.body && typeof response.body === 'object') {
		const answer = answerOf(job.api, response.body);
		return {...base(job, 'succeeded', context), output: answer.text, truncated: answer.truncated, usage: answer.usage, model: answer.model ?? job.model, request_id: requestId};
	}
	if (response && status !== null) {
		// Classified as the live client's error would be: the SDK's own error for that status and body.
		const info = classifyError(APIError.generate(status, response.body as object | undefined, undefined, new Headers(requestId ? {'x-request-id': requestId} : {})));
		return {...recordWithout(job, 'failed', errorForRecord(info), context), request_id: requestId};
	}
	const code = typeof line.error?.code === 'string' ? line.error.code : null;
	const message = typeof line.error?.message === 'string' ? line.error.message : 'the batch wrote this request neither an answer nor an error';
	if (code === 'batch_cancelled') return recordWithout(job, 'cancelled', {kind: 'cancelled', status: null, code, message}, context);
	const kind: ErrorKind = code === 'batch_expired' ? 'timeout' : kindFromApi(null, code, null, message);
	return recordWithout(job, 'failed', {kind, status: null, code, message}, context);
}
