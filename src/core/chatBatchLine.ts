/**
 * The body of a Batch API line whose `url` is `/v1/chat/completions` (openai-wire.md §10):
 * its `messages` become the job's input, `max_completion_tokens` (or the older `max_tokens`)
 * its cap, and every other field passes through. The reader in ./input.ts checks the
 * line itself and the fields both APIs share (`model`, `metadata`).
 */
import type {ApiName} from './types.js';

export const CHAT_URL = '/v1/chat/completions';

/** What a chat body adds to the spec the shared fields make. */
export interface ChatBody {
	readonly messages: readonly unknown[];
	readonly spec: {readonly api: ApiName; readonly maxOutputTokens?: number; readonly extraBody?: Readonly<Record<string, unknown>>};
}

// Read by the shared reader (model, metadata) or decided by pacer (stream, the caps).
const HANDLED = new Set(['model', 'metadata', 'messages', 'max_completion_tokens', 'max_tokens', 'stream']);

// Responses fields in a chat body would be dropped by the server or refused: say so here.
const RESPONSES_ONLY: Readonly<Record<string, string>> = {
	input: 'the Chat Completions body takes "messages"',
	instructions: 'put them in a first {"role": "system"} message',
	max_output_tokens: 'the Chat Completions name is "max_completion_tokens"',
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Reads a chat body; `problem` makes the error thrown for a bad one. */
export function readChatBody(body: Record<string, unknown>, problem: (reason: string) => Error): ChatBody {
	for (const key of Object.keys(body)) {
		if (Object.hasOwn(RESPONSES_ONLY, key)) throw problem(`"body.${key}" is not a Chat Completions field; ${RESPONSES_ONLY[key]}`);
	}
	const messages = body.messages;
	if (messages === undefined || messages === null) throw problem('"body.messages" is missing');
	if (!Array.isArray(messages)) throw problem('"body.messages" must be an array of messages');
	if (messages.length === 0) throw problem('"body.messages" is an empty array');
	for (const [i, message] of messages.entries()) {
		if (!isObject(message)) throw problem(`"body.messages[${i}]" must be a message object`);
		if (typeof message.role !== 'string' || message.role === '') throw problem(`"body.messages[${i}].role" must be a non-empty string`);
		const content = message.content;
		if (content != null && typeof content !== 'string' && !Array.isArray(content)) {
			throw problem(`"body.messages[${i}].content" must be a string or an array of content parts`);
		}
	}
	const given = (['max_completion_tokens', 'max_tokens'] as const).filter(key => body[key] != null);
	if (given.length === 2) throw problem('"body" has both "max_completion_tokens" and "max_tokens"; use one');
	let maxOutputTokens: number | undefined;
	if (given.length === 1) {
		const key = given[0]!;
		const value = body[key];
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw problem(`"body.${key}" must be an integer >= 1, got ${JSON.stringify(value)}`);
		maxOutputTokens = value;
	}
	const extraBody: Record<string, unknown> = {};
	for (const key of Object.keys(body)) if (!HANDLED.has(key)) extraBody[key] = body[key];
	return {
		messages,
		spec: {
			api: 'chat',
			...(maxOutputTokens != null ? {maxOutputTokens} : {}),
			...(Object.keys(extraBody).length > 0 ? {extraBody} : {}),
		},
	};
}
