/** `POST /v1/chat/completions` request checks, in the order and words of the real API (§10). */
import * as errors from './errors.js';
import type {SimErrorResponse} from './errors.js';
import {isGpt5, isReasoningModel, snapshotOf} from './models.js';
import {checkModel, checkSharedParameters, isObject, jsonObject} from './validate.js';

export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** The content part types each role may send. */
const PART_TYPES: Readonly<Record<ChatRole, readonly string[]>> = {
	system: ['text'],
	developer: ['text'],
	user: ['text', 'image_url', 'input_audio', 'file'],
	assistant: ['text', 'refusal'],
	tool: ['text'],
};

export interface ChatMessage {
	readonly role: ChatRole;
	readonly content?: unknown;
	readonly name?: unknown;
}

export interface ChatRequest {
	readonly model: string;
	/** The dated snapshot echoed back. */
	readonly snapshot: string;
	readonly reasoning: boolean;
	readonly gpt5: boolean;
	readonly messages: readonly ChatMessage[];
	/** The seeded request key, the same as the equivalent Responses request's (see attempt.ts). */
	readonly key: string;
	/** `max_completion_tokens`, or the older `max_tokens`. */
	readonly maxOutputTokens: number | null;
	readonly stream: boolean;
	/** `stream_options.include_usage`: `usage: null` on every chunk and one usage chunk at the end. */
	readonly includeUsage: boolean;
	readonly obfuscation: boolean;
}

export type ChatParseResult = {readonly ok: true; readonly request: ChatRequest} | {readonly ok: false; readonly error: SimErrorResponse};

const fail = (error: SimErrorResponse): ChatParseResult => ({ok: false, error});

function checkContent(content: unknown, role: ChatRole, at: string): SimErrorResponse | null {
	if (typeof content === 'string') return null;
	if (!Array.isArray(content)) return errors.invalidType(`${at}.content`, 'one of a string or array of objects', content);
	if (content.length === 0) return errors.emptyArray(`${at}.content`);
	const allowed = PART_TYPES[role];
	for (const [j, part] of content.entries()) {
		const partAt = `${at}.content[${j}]`;
		if (!isObject(part)) return errors.invalidType(partAt, 'an object', part);
		if (part.type === undefined || part.type === null) return errors.missingParameter(`${partAt}.type`);
		if (typeof part.type !== 'string' || !allowed.includes(part.type)) return errors.invalidValue(`${partAt}.type`, String(part.type), allowed);
		if (part.type === 'text' && typeof part.text !== 'string') {
			return part.text === undefined || part.text === null ? errors.missingParameter(`${partAt}.text`) : errors.invalidType(`${partAt}.text`, 'a string', part.text);
		}
	}
	return null;
}

function checkMessage(message: unknown, i: number): SimErrorResponse | null {
	const at = `messages[${i}]`;
	if (!isObject(message)) return errors.invalidType(at, 'an object', message);
	const {role, content, name} = message;
	if (role === undefined || role === null) return errors.missingParameter(`${at}.role`);
	if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role)) return errors.invalidValue(`${at}.role`, String(role), CHAT_ROLES);
	if (name !== undefined && name !== null && typeof name !== 'string') return errors.invalidType(`${at}.name`, 'a string', name);
	if (role === 'tool' && typeof message.tool_call_id !== 'string') return errors.missingParameter(`${at}.tool_call_id`);
	// An assistant turn may carry only tool calls (or a refusal) and no content.
	if (content === undefined || content === null) return role === 'assistant' ? null : errors.missingParameter(`${at}.content`);
	return checkContent(content, role as ChatRole, at);
}

function checkMaxTokens(body: Record<string, unknown>): SimErrorResponse | null {
	const given = (['max_completion_tokens', 'max_tokens'] as const).filter((p) => body[p] !== undefined && body[p] !== null);
	if (given.length === 2) return errors.bothMaxTokens();
	for (const param of given) {
		const value = body[param];
		if (typeof value !== 'number' || !Number.isInteger(value)) return errors.invalidType(param, 'an integer', value);
		if (value < 1) return errors.belowMinimum(param, 1, value);
	}
	return null;
}

/**
 * The request key: a leading system/developer message stands for `instructions`, and the
 * rest for `input` (a lone user message's text, else the messages as JSON), so one
 * prompt has the same key on both APIs.
 */
function requestKey(model: string, messages: readonly ChatMessage[]): string {
	const [first] = messages;
	const lead = (first.role === 'system' || first.role === 'developer') && typeof first.content === 'string' ? first.content : null;
	const rest = lead === null ? messages : messages.slice(1);
	const only = rest.length === 1 ? rest[0] : null;
	const input = only?.role === 'user' && typeof only.content === 'string' ? only.content : JSON.stringify(rest);
	return `${model}\u0000${lead ?? ''}\u0000${input}`;
}

export function parseChatRequest(raw: string): ChatParseResult {
	const body = jsonObject(raw);
	if (!body) return fail(errors.invalidJson());
	const {model, messages, stream} = body;
	if (model === undefined || model === null) return fail(errors.missingParameter('model'));
	if (typeof model !== 'string') return fail(errors.invalidType('model', 'a string', model));
	if (messages === undefined || messages === null) return fail(errors.missingParameter('messages'));
	if (!Array.isArray(messages)) return fail(errors.invalidType('messages', 'an array of objects', messages));
	if (messages.length === 0) return fail(errors.emptyArray('messages'));
	for (const [i, message] of messages.entries()) {
		const error = checkMessage(message, i);
		if (error) return fail(error);
	}
	const maxTokensError = checkMaxTokens(body);
	if (maxTokensError) return fail(maxTokensError);
	const shared = checkSharedParameters(body);
	if (shared) return fail(shared);
	const streamOptions = body.stream_options;
	if (streamOptions !== undefined && streamOptions !== null) {
		if (stream !== true) return fail(errors.streamOptionsWithoutStream());
		if (!isObject(streamOptions)) return fail(errors.invalidType('stream_options', 'an object', streamOptions));
		const {include_usage: includeUsage} = streamOptions;
		if (includeUsage !== undefined && includeUsage !== null && typeof includeUsage !== 'boolean') {
			return fail(errors.invalidType('stream_options.include_usage', 'a boolean', includeUsage));
		}
	}
	const modelError = checkModel(model, body);
	if (modelError) return fail(modelError);

	const chat = messages as ChatMessage[];
	const cap = body.max_completion_tokens ?? body.max_tokens;
	const options = isObject(streamOptions) ? streamOptions : {};
	return {
		ok: true,
		request: {
			model,
			snapshot: snapshotOf(model),
			reasoning: isReasoningModel(model),
			gpt5: isGpt5(model),
			messages: chat,
			key: requestKey(model, chat),
			maxOutputTokens: typeof cap === 'number' ? cap : null,
			stream: stream === true,
			includeUsage: options.include_usage === true,
			obfuscation: options.include_obfuscation !== false,
		},
	};
}
