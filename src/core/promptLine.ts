/**
 * pacer's own job shape, `{id?, prompt | input, context?, model?, instructions?,
 * max_output_tokens?, metadata?}`: a .jsonl line or an object given to the library.
 */
import {isBlank} from './inputLines.js';
import {buildSpec, describeType, given, has, JobProblem, readId, readInput, type JsonObject} from './jobFields.js';
import type {JobSpec} from './types.js';

const BODY_ONLY =
	'other request fields go in a Batch API line ({"custom_id", "method": "POST", "url": "/v1/responses", "body": {...}})';

// Fields people reach for by habit. Ignoring them would silently drop a setting.
const MISNAMED: Readonly<Record<string, string>> = {
	max_tokens: 'did you mean "max_output_tokens"?',
	max_completion_tokens: 'did you mean "max_output_tokens"?',
	maxOutputTokens: 'did you mean "max_output_tokens"?',
	system: 'did you mean "instructions"?',
	system_prompt: 'did you mean "instructions"?',
	instruction: 'did you mean "instructions"?',
	messages: 'that is the Chat Completions shape; put the messages in "input"',
	temperature: BODY_ONLY,
	top_p: BODY_ONLY,
	reasoning: BODY_ONLY,
	tools: BODY_ONLY,
	service_tier: BODY_ONLY,
};

/** A pacer job object -> its spec; `line` is where it came from, `fallbackId` its id when it has none. */
export function parsePromptObject(object: JsonObject, line: number, fallbackId: string): JobSpec {
	for (const key of Object.keys(object)) {
		if (Object.hasOwn(MISNAMED, key)) {
			throw new JobProblem(`"${key}" is not a pacer field; ${MISNAMED[key]}`);
		}
	}
	const id = readId(object, 'id', fallbackId);
	let input: string | readonly unknown[];
	if (has(object, 'prompt') && has(object, 'input')) {
		throw new JobProblem('has both "prompt" and "input"; use one');
	} else if (has(object, 'prompt')) {
		const prompt = object.prompt;
		if (typeof prompt !== 'string') {
			throw new JobProblem(`"prompt" must be a string, got ${describeType(prompt)}`);
		}
		if (isBlank(prompt)) {
			throw new JobProblem('"prompt" is empty');
		}
		input = prompt;
	} else if (has(object, 'input')) {
		input = readInput(object.input, '"input"');
	} else {
		const keys = Object.keys(object);
		throw new JobProblem(`missing "prompt" (or "input")${keys.length > 0 ? `; found ${keys.map((key) => JSON.stringify(key)).join(', ')}` : ''}`);
	}
	const context = contextOf(input, object);
	const spec = buildSpec(id, line, context == null ? input : `${input as string}\n\n${context}`, object, '');
	// Kept apart too: --on-long summarize condenses the context alone and sends the prompt as it is.
	return context == null ? spec : {...spec, context};
}

/**
 * `context` (a document, a passage to answer from) goes after the prompt, a blank line
 * between. A blank one is left out: exported datasets often have rows without context.
 */
function contextOf(input: string | readonly unknown[], object: JsonObject): string | null {
	if (!given(object, 'context')) {
		return null;
	}
	const context = object.context;
	if (typeof context !== 'string') {
		throw new JobProblem(`"context" must be a string, got ${describeType(context)}`);
	}
	if (isBlank(context)) {
		return null;
	}
	if (typeof input !== 'string') {
		// Where it would go among the items (which role, before or after which turn) is a
		// guess; the user knows.
		throw new JobProblem('"context" goes with "prompt" (or a string "input"); with input items, put the context in an item');
	}
	return context;
}
