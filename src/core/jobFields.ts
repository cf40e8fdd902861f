/**
 * The checks of one job's fields, shared by every shape a job comes in (a .jsonl prompt
 * line, a Batch API line, an object given to the library), so each says the same thing.
 */
import {inputText} from './inputItems.js';
import {isBlank} from './inputLines.js';
import type {JobSpec} from './types.js';

/** A problem with one job; the caller turns it into an InputError saying where (file:line, jobs[i]). */
export class JobProblem extends Error {
	override name = 'JobProblem';
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function has(object: JsonObject, key: string): boolean {
	return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Present and not null: JSON null means "not set", as the API treats it. */
export function given(object: JsonObject, key: string): boolean {
	return has(object, key) && object[key] !== null;
}

/**
 * Ids are strings; an integer id (common in exported datasets) becomes its decimal
 * string, so `7` and `"7"` are the same id. Without one the job gets `fallbackId`.
 */
export function readId(object: JsonObject, key: 'id' | 'custom_id', fallbackId: string): string {
	if (!given(object, key)) {
		return fallbackId;
	}
	const id = object[key];
	if (typeof id === 'number' && Number.isSafeInteger(id)) {
		return String(id);
	}
	if (typeof id !== 'string') {
		throw new JobProblem(`"${key}" must be a string (or an integer), got ${describeValue(id)}`);
	}
	if (id === '') {
		throw new JobProblem(`"${key}" is empty`);
	}
	return id;
}

export function readInput(input: unknown, label: string): string | readonly unknown[] {
	if (typeof input === 'string') {
		if (isBlank(input)) {
			throw new JobProblem(`${label} is empty`);
		}
		return input;
	}
	if (Array.isArray(input)) {
		if (input.length === 0) {
			throw new JobProblem(`${label} is an empty array`);
		}
		const bad = input.findIndex((item) => !isObject(item));
		if (bad !== -1) {
			throw new JobProblem(`${label}[${bad}] must be an input item object, got ${describeType(input[bad])}`);
		}
		return input;
	}
	throw new JobProblem(`${label} must be a string or an array of input items, got ${describeType(input)}`);
}

/** The request fields pacer itself reads; a Batch API body's others pass through as they are. */
export const REQUEST_FIELDS: ReadonlySet<string> = new Set(['model', 'input', 'instructions', 'max_output_tokens', 'metadata']);

/**
 * A job spec from its id, where it came from and its input, with `model`, `instructions`,
 * `max_output_tokens` and `metadata` read from `fields` (named `prefix + field` in messages).
 */
export function buildSpec(id: string, line: number, input: string | readonly unknown[], fields: JsonObject, prefix: string): JobSpec {
	const spec: {-readonly [K in keyof JobSpec]: JobSpec[K]} = {id, line, input, text: inputText(input)};
	if (given(fields, 'model')) {
		const model = fields.model;
		if (typeof model !== 'string' || model.trim() === '') {
			throw new JobProblem(`"${prefix}model" must be a non-empty string, got ${describeType(model)}`);
		}
		spec.model = model;
	}
	if (given(fields, 'instructions')) {
		const instructions = fields.instructions;
		if (typeof instructions !== 'string') {
			throw new JobProblem(`"${prefix}instructions" must be a string, got ${describeType(instructions)}`);
		}
		spec.instructions = instructions;
	}
	if (given(fields, 'max_output_tokens')) {
		const max = fields.max_output_tokens;
		// The API answers 400 integer_below_min_value below 16.
		if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 16) {
			throw new JobProblem(`"${prefix}max_output_tokens" must be an integer >= 16, got ${describeValue(max)}`);
		}
		spec.maxOutputTokens = max;
	}
	if (given(fields, 'metadata')) {
		spec.metadata = readMetadata(fields.metadata, `${prefix}metadata`);
	}
	return spec;
}

// The API's limits: at most 16 pairs, keys up to 64 characters, values up to 512.
function readMetadata(value: unknown, label: string): Readonly<Record<string, string>> {
	if (!isObject(value)) {
		throw new JobProblem(`"${label}" must be an object of strings, got ${describeType(value)}`);
	}
	const entries = Object.entries(value);
	if (entries.length > 16) {
		throw new JobProblem(`"${label}" has ${entries.length} keys; the API allows at most 16`);
	}
	for (const [key, item] of entries) {
		if (key.length > 64) {
			throw new JobProblem(`"${label}" key ${JSON.stringify(key.slice(0, 20) + '...')} is over 64 characters`);
		}
		if (typeof item !== 'string') {
			throw new JobProblem(`"${label}.${key}" must be a string, got ${describeType(item)}`);
		}
		if (item.length > 512) {
			throw new JobProblem(`"${label}.${key}" is ${item.length} characters; the API allows at most 512`);
		}
	}
	return Object.fromEntries(entries) as Record<string, string>;
}

export function describeType(value: unknown): string {
	if (value === null) {
		return 'null';
	}
	if (Array.isArray(value)) {
		return 'an array';
	}
	switch (typeof value) {
		case 'object':
			return 'an object';
		case 'string':
			return 'a string';
		case 'number':
			return 'a number';
		case 'boolean':
			return 'a boolean';
		default:
			return typeof value;
	}
}

export function describeValue(value: unknown): string {
	if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
		return String(value);
	}
	if (typeof value === 'string') {
		return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
	}
	return describeType(value);
}
