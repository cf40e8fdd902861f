/** An OpenAI Batch API request line, `{custom_id, method: "POST", url, body: {...}}`. */
import {buildSpec, describeType, has, isObject, JobProblem, readId, readInput, REQUEST_FIELDS, type JsonObject} from './jobFields.js';
import {CHAT_URL, readChatBody} from './chatBatchLine.js';
import type {JobSpec} from './types.js';

/** A Batch API request object -> its spec; `line` is where it came from, `fallbackId` its id when it has none. */
export function parseBatchLine(object: JsonObject, line: number, fallbackId: string): JobSpec {
	const id = readId(object, 'custom_id', fallbackId);
	if (has(object, 'method') && object.method !== 'POST') {
		throw new JobProblem(`"method" must be "POST", got ${JSON.stringify(object.method)}`);
	}
	if (has(object, 'url') && object.url !== '/v1/responses' && object.url !== CHAT_URL) {
		throw new JobProblem(`"url" must be "/v1/responses" or "${CHAT_URL}", got ${JSON.stringify(object.url)}`);
	}
	if (!has(object, 'body')) {
		throw new JobProblem('Batch API line has no "body"');
	}
	const body = object.body;
	if (!isObject(body)) {
		throw new JobProblem(`"body" must be an object, got ${describeType(body)}`);
	}
	if (object.url === CHAT_URL) {
		const chat = readChatBody(body, reason => new JobProblem(reason));
		return {...buildSpec(id, line, chat.messages, body, 'body.'), ...chat.spec};
	}
	if (!has(body, 'input')) {
		throw new JobProblem(has(body, 'messages') ? '"body.messages" is the Chat Completions shape; the Responses API takes "body.input"' : '"body.input" is missing');
	}
	const input = readInput(body.input, '"body.input"');
	const extraBody: JsonObject = {};
	for (const key of Object.keys(body)) {
		// pacer decides streaming itself; the Batch API refuses `stream` anyway.
		if (!REQUEST_FIELDS.has(key) && key !== 'stream') {
			extraBody[key] = body[key];
		}
	}
	const spec = {...buildSpec(id, line, input, body, 'body.'), ...(object.url === '/v1/responses' ? {api: 'responses' as const} : {})};
	return Object.keys(extraBody).length > 0 ? {...spec, extraBody} : spec;
}
