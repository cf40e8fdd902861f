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

export function isObject(value: unknown): value is Record<string, unknown> {
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

/** The body as a JSON object, or null when it is not one (400 "could not parse the JSON body"). */
export function jsonObject(raw: string): Record<string, unknown> | null {
	try {
		const body: unknown = JSON.parse(raw);
		return isObject(body) ? body : null;
	} catch {
		return null;
	}
}

export function parseRequest(raw: string): ParseResult {
	const body = jsonObject(raw);
	if (!body) return fail(errors.invalidJson());

	const {model, input, instructions, max_output_tokens: maxOutputTokens, stream} = body;
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
	const shared = checkSharedParameters(body) ?? checkModel(model, body);
	if (shared) return fail(shared);
	const reasoning = isReasoningModel(model);

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

/** `stream`, `metadata`, `temperature` and `top_p`: the same rules on both APIs. */
export function checkSharedParameters(body: Record<string, unknown>): SimErrorResponse | null {
	const {stream, metadata} = body;
	if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return errors.invalidType('stream', 'a boolean', stream);
	if (metadata !== undefined && metadata !== null) {
		if (!isObject(metadata)) return errors.invalidType('metadata', 'an object', metadata);
		const count = Object.keys(metadata).length;
		if (count > 16) {
			return errors.invalidRequest(
				400,
				`Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${count} properties instead.`,
				'metadata',
				'object_above_max_properties',
			);
		}
	}
	return checkRange(body, 'temperature', 2) ?? checkRange(body, 'top_p', 1);
}

/** Checked after the body's shape, as the real API does: 404 for an unknown model, then what the model refuses. */
export function checkModel(model: string, body: Record<string, unknown>): SimErrorResponse | null {
	if (!isKnownModel(model)) return errors.modelNotFound(model);
	if (isReasoningModel(model)) {
		// Only the default value (1) is tolerated on reasoning models.
		for (const param of ['temperature', 'top_p']) {
			const value = body[param];
			if (value !== undefined && value !== null && value !== 1) return errors.unsupportedParameter(param);
		}
	}
	return null;
}
