/** Request body checks in the order and words of the real API (openai-wire.md §1, §4). */
import * as errors from './errors.js';
import type {SimErrorResponse} from './errors.js';
import {isGpt5, isKnownModel, isReasoningModel, snapshotOf} from './models.js';

/** The smallest `max_output_tokens` the real API accepts. */
export const MIN_OUTPUT_TOKENS = 16;

export interface SimRequest {
	readonly model: string;
	/** The dated snapshot echoed back. */
	readonly snapshot: string;
	readonly reasoning: boolean;
	readonly gpt5: boolean;
	readonly input: string | readonly unknown[];
	/** The input as one string, for the seeded request key. */
	readonly inputText: string;
	readonly instructions: string | null;
	readonly maxOutputTokens: number | null;
	readonly stream: boolean;
	readonly obfuscation: boolean;
	readonly body: Readonly<Record<string, unknown>>;
}

export type ParseResult = {readonly ok: true; readonly request: SimRequest} | {readonly ok: false; readonly error: SimErrorResponse};

const fail = (error: SimErrorResponse): ParseResult => ({ok: false, error});

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRange(body: Record<string, unknown>, param: string, max: number): SimErrorResponse | null {
	const value = body[param];
	if (value === undefined || value === null) return null;
	if (typeof value !== 'number' || !Number.isFinite(value)) return errors.invalidType(param, 'a decimal', value);
	if (value < 0) return errors.outOfRange(param, 'below', 0, value);
	if (value > max) return errors.outOfRange(param, 'above', max, value);
	return null;
}

export function parseRequest(raw: string): ParseResult {
	let body: unknown;
	try {
		body = JSON.parse(raw);
	} catch {
		return fail(errors.invalidJson());
	}
	if (!isObject(body)) return fail(errors.invalidJson());

	const {model, input, instructions, max_output_tokens: maxOutputTokens, stream, metadata} = body;
	if (model === undefined || model === null) return fail(errors.missingParameter('model'));
	if (typeof model !== 'string') return fail(errors.invalidType('model', 'a string', model));
	if (input === undefined || input === null) return fail(errors.missingParameter('input'));
	if (typeof input !== 'string' && !Array.isArray(input)) return fail(errors.invalidType('input', 'a string', input));
	if (Array.isArray(input)) {
		const bad = input.findIndex((item) => !isObject(item));
		if (bad >= 0) return fail(errors.invalidType(`input[${bad}]`, 'an object', input[bad]));
	}
	if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') {
		return fail(errors.invalidType('instructions', 'a string', instructions));
	}
	if (maxOutputTokens !== undefined && maxOutputTokens !== null) {
		if (typeof maxOutputTokens !== 'number' || !Number.isInteger(maxOutputTokens)) {
			return fail(errors.invalidType('max_output_tokens', 'an integer', maxOutputTokens));
		}
		if (maxOutputTokens < MIN_OUTPUT_TOKENS) {
			return fail(errors.belowMinimum('max_output_tokens', MIN_OUTPUT_TOKENS, maxOutputTokens));
		}
	}
	if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
		return fail(errors.invalidType('stream', 'a boolean', stream));
	}
	if (metadata !== undefined && metadata !== null) {
		if (!isObject(metadata)) return fail(errors.invalidType('metadata', 'an object', metadata));
		const count = Object.keys(metadata).length;
		if (count > 16) {
			return fail(
				errors.invalidRequest(
					400,
					`Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${count} properties instead.`,
					'metadata',
					'object_above_max_properties',
				),
			);
		}
	}
	const rangeError = checkRange(body, 'temperature', 2) ?? checkRange(body, 'top_p', 1);
	if (rangeError) return fail(rangeError);

	if (!isKnownModel(model)) return fail(errors.modelNotFound(model));
	const reasoning = isReasoningModel(model);
	if (reasoning) {
		// Only the default value (1) is tolerated on reasoning models.
		for (const param of ['temperature', 'top_p']) {
			const value = body[param];
			if (value !== undefined && value !== null && value !== 1) return fail(errors.unsupportedParameter(param));
		}
	}

	const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
	return {
		ok: true,
		request: {
			model,
			snapshot: snapshotOf(model),
			reasoning,
			gpt5: isGpt5(model),
			input,
			inputText: typeof input === 'string' ? input : JSON.stringify(input),
			instructions: typeof instructions === 'string' ? instructions : null,
			maxOutputTokens: typeof maxOutputTokens === 'number' ? maxOutputTokens : null,
			stream: stream === true,
			obfuscation: streamOptions.include_obfuscation !== false,
			body,
		},
	};
}
