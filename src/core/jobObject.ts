/** One job as JSON, in either shape a .jsonl line may have: pacer's own or a Batch API request. */
import {parseBatchLine} from './batchLine.js';
import {describeType, has, isObject, JobProblem} from './jobFields.js';
import {parsePromptObject} from './promptLine.js';
import type {JobSpec} from './types.js';

/** A .jsonl line's text -> its spec. Throws JobProblem. */
export function parseJsonLine(text: string, line: number): JobSpec {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new JobProblem(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
	}
	return parseJobObject(value, line, `line-${line}`);
}

/** A parsed job object -> its spec; `fallbackId` is its id when it has none. Throws JobProblem. */
export function parseJobObject(value: unknown, line: number, fallbackId: string): JobSpec {
	if (!isObject(value)) {
		throw new JobProblem(`expected a JSON object, got ${describeType(value)}`);
	}
	if (has(value, 'body') || has(value, 'custom_id') || has(value, 'method') || has(value, 'url')) {
		return parseBatchLine(value, line, fallbackId);
	}
	return parsePromptObject(value, line, fallbackId);
}
