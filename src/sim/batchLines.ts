/**
 * One Batch API input line -> its output line, through the live routes' own validation
 * and response builders, so a batch body is what the same request would get live.
 */
import {chatCompletion, chatIdentity, chatUsageOf, finishReasonOf} from './chatResponse.js';
import {parseChatRequest} from './chatValidate.js';
import type {SimConfig} from './config.js';
import * as errors from './errors.js';
import type {SimErrorResponse} from './errors.js';
import {isPermanentlyBad, planAttempt} from './faults.js';
import {hash53} from './random.js';
import {generate, newRequestId, newResponseIds, outputItems, responseObject, usageOf} from './response.js';
import {countChatInputTokens, countInputTokens} from './text.js';
import {parseRequest} from './validate.js';

export type BatchEndpoint = '/v1/responses' | '/v1/chat/completions';

/** A checked input line, waiting to be run. */
export interface BatchLine {
	readonly customId: string;
	readonly body: string;
}

export interface BatchOutputLine {
	readonly id: string;
	readonly custom_id: string;
	readonly response: {readonly status_code: number; readonly request_id: string; readonly body: unknown} | null;
	readonly error: {readonly code: string; readonly message: string} | null;
}

export interface LineResult {
	readonly line: BatchOutputLine;
	readonly ok: boolean;
	readonly usage: {readonly input: number; readonly output: number; readonly reasoning: number};
}

export interface FileError {
	readonly code: string;
	readonly message: string;
	readonly param: string | null;
	readonly line: number;
}

/** The input file's lines, or the errors that fail the batch at `validating` (1-based lines). */
export function checkInputFile(text: string, endpoint: BatchEndpoint): {lines: BatchLine[]; errors: FileError[]} {
	const lines: BatchLine[] = [];
	const found: FileError[] = [];
	const seen = new Set<string>();
	let model: string | null = null;
	const rows = text.split('\n');
	rows.forEach((row, index) => {
		if (row.trim() === '') return;
		const line = index + 1;
		const bad = (code: string, message: string, param: string | null = null): void => {
			found.push({code, message, param, line});
		};
		let value: unknown;
		try {
			value = JSON.parse(row);
		} catch {
			bad('invalid_json_line', `This line is not parseable as valid JSON.`);
			return;
		}
		const record = value as Record<string, unknown>;
		if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('invalid_json_line', 'This line is not a JSON object.');
		if (typeof record.custom_id !== 'string' || record.custom_id === '') return bad('missing_required_parameter', "Missing required parameter: 'custom_id'.", 'custom_id');
		if (seen.has(record.custom_id)) return bad('duplicate_custom_id', `The custom_id '${record.custom_id}' is used more than once in this file.`, 'custom_id');
		seen.add(record.custom_id);
		if (record.method !== 'POST') return bad('invalid_method', "The only supported method is 'POST'.", 'method');
		if (record.url !== endpoint) return bad('mismatched_endpoint', `The url '${String(record.url)}' does not match the batch's endpoint '${endpoint}'.`, 'url');
		const body = record.body as Record<string, unknown> | undefined;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('invalid_request', "Invalid 'body': expected an object.", 'body');
		if (body.stream === true) return bad('invalid_request', 'Streaming is not supported in the Batch API.', 'body.stream');
		if (typeof body.model === 'string') {
			if (model !== null && body.model !== model) return bad('mismatched_model', 'All requests in a batch must use the same model.', 'body.model');
			model = body.model;
		}
		lines.push({customId: record.custom_id, body: JSON.stringify(body)});
	});
	if (found.length === 0 && lines.length === 0) found.push({code: 'empty_file', message: 'The input file is empty.', param: null, line: 1});
	return {lines, errors: found};
}

const NO_USAGE = {input: 0, output: 0, reasoning: 0};

function failedLine(customId: string, error: SimErrorResponse): LineResult {
	return {
		ok: false,
		usage: NO_USAGE,
		line: {id: newBatchRequestId(), custom_id: customId, response: {status_code: error.status, request_id: newRequestId(), body: JSON.parse(error.body)}, error: null},
	};
}

export function newBatchRequestId(): string {
	return `batch_req_${newRequestId().slice(4)}`;
}

/**
 * Runs one line as the live route would on its first attempt: the same validation, the
 * same permanent badRequest share, the same seeded plan and text. Transient faults are
 * the batch system's to retry, so none reach the output.
 */
export function runLine(config: SimConfig, endpoint: BatchEndpoint, line: BatchLine): LineResult {
	const chat = endpoint === '/v1/chat/completions';
	const parsed = chat ? parseChatRequest(line.body) : parseRequest(line.body);
	if (!parsed.ok) return failedLine(line.customId, parsed.error);
	const request = parsed.request;
	const key = 'key' in request ? request.key : `${request.model}\u0000${request.instructions ?? ''}\u0000${request.inputText}`;
	const keyHash = hash53(key);
	const inputTokens = 'messages' in request ? countChatInputTokens(request.messages, request.gpt5) : countInputTokens(request.input, request.instructions, request.gpt5);
	if (inputTokens > config.contextWindow) return failedLine(line.customId, errors.contextLengthExceeded());
	if (isPermanentlyBad(config.seed, keyHash, config.faults.badRequest)) return failedLine(line.customId, errors.invalidPrompt());
	const plan = planAttempt(config.seed, keyHash, 0, config.profile, config.faults, request.reasoning, 0);
	const generation = generate(plan, request.maxOutputTokens);
	let body: unknown;
	if ('messages' in request) {
		const usage = chatUsageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
		body = chatCompletion(chatIdentity(request), generation.pieces.join(''), finishReasonOf(generation), usage);
	} else {
		const ids = newResponseIds(request);
		const status = generation.capped ? 'incomplete' : 'completed';
		const usage = usageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
		const output = outputItems(ids, generation.pieces.join(''), status, generation.pieces.length > 0 || !generation.capped);
		body = responseObject(request, ids, {status, output, usage});
	}
	return {
		ok: true,
		usage: {input: inputTokens, output: generation.outputTokens, reasoning: generation.reasoningTokens},
		line: {id: newBatchRequestId(), custom_id: line.customId, response: {status_code: 200, request_id: newRequestId(), body}, error: null},
	};
}

/** The error file's line for a request the window closed on. */
export function expiredLine(customId: string): BatchOutputLine {
	return {
		id: newBatchRequestId(),
		custom_id: customId,
		response: null,
		error: {code: 'batch_expired', message: 'This request could not be executed before the completion window expired.'},
	};
}
