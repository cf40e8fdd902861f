/**
 * A neutral `ModelRequest` as each API's request body, without the streaming fields: the
 * live clients add `stream` (and chat's `stream_options`) to these, and a Batch API line
 * carries them as they are (the Batch API refuses `stream`). One builder for both, so a
 * batch line asks exactly what the live request would.
 */
import {chatMessages} from './chatMessages.js';
import type {ModelRequest} from './client.js';

/** The Responses API body of a request. */
export function responsesBody(request: ModelRequest): Record<string, unknown> {
	return {
		...request.extraBody,
		model: request.model,
		input: request.input,
		...(request.instructions != null ? {instructions: request.instructions} : {}),
		...(request.maxOutputTokens != null ? {max_output_tokens: request.maxOutputTokens} : {}),
		...(request.metadata ? {metadata: request.metadata} : {}),
	};
}

/**
 * The Chat Completions body of a request. `legacyMaxTokens`: the server knows only the
 * older `max_tokens` for the cap.
 */
export function chatBody(request: ModelRequest, legacyMaxTokens = false): Record<string, unknown> {
	const cap = request.maxOutputTokens;
	const extra: Record<string, unknown> = {...request.extraBody};
	// The request's cap wins over a cap in the passed-through fields, under whichever name the server takes.
	if (cap != null) {
		delete extra.max_tokens;
		delete extra.max_completion_tokens;
	}
	return {
		...extra,
		model: request.model,
		messages: chatMessages(request),
		...(cap != null ? (legacyMaxTokens ? {max_tokens: cap} : {max_completion_tokens: cap}) : {}),
		...(request.metadata ? {metadata: request.metadata as Record<string, string>} : {}),
	};
}
