/** The Response object (openai-wire.md §2), as the JSON body and inside stream events. */
import {randomBytes, randomUUID} from 'node:crypto';
import type {AttemptPlan} from './faults.js';
import {Rng} from './random.js';
import {generatePieces} from './text.js';
import type {SimRequest} from './validate.js';

function hex(length: number): string {
	let text = '';
	while (text.length < length) text += randomUUID().replaceAll('-', '');
	return text.slice(0, length);
}

/** `resp_`, `msg_`, `rs_` + 50 hex characters. */
export const newItemId = (prefix: 'resp' | 'msg' | 'rs'): string => `${prefix}_${hex(50)}`;
/** `req_` + 32 hex characters. */
export const newRequestId = (): string => `req_${hex(32)}`;

export interface Usage {
	readonly input_tokens: number;
	readonly input_tokens_details: {readonly cached_tokens: number; readonly cache_write_tokens: number};
	readonly output_tokens: number;
	readonly output_tokens_details: {readonly reasoning_tokens: number};
	readonly total_tokens: number;
}

export function usageOf(inputTokens: number, outputTokens: number, reasoningTokens: number): Usage {
	return {
		input_tokens: inputTokens,
		// Always present since 2026, 0 when nothing was written to the prompt cache (§11).
		input_tokens_details: {cached_tokens: 0, cache_write_tokens: 0},
		output_tokens: outputTokens,
		output_tokens_details: {reasoning_tokens: reasoningTokens},
		total_tokens: inputTokens + outputTokens,
	};
}

/** What the model "writes" on this attempt, after the cap. */
export interface Generation {
	/** One token each. */
	readonly pieces: readonly string[];
	readonly reasoningTokens: number;
	/** Billed output: reasoning plus visible; equals the cap when capped. */
	readonly outputTokens: number;
	readonly capped: boolean;
}

export function generate(plan: AttemptPlan, maxOutputTokens: number | null): Generation {
	const cap = maxOutputTokens ?? Number.POSITIVE_INFINITY;
	const wanted = plan.reasoningTokens + plan.visibleTokens;
	const capped = wanted > cap;
	const reasoningTokens = Math.min(plan.reasoningTokens, cap);
	const visible = capped ? Math.max(0, cap - reasoningTokens) : plan.visibleTokens;
	const pieces = generatePieces(new Rng(plan.textSeed), visible);
	return {pieces, reasoningTokens, outputTokens: capped ? cap : wanted, capped};
}

export interface ResponseIds {
	readonly response: string;
	readonly message: string;
	readonly reasoning: string | null;
	readonly createdAt: number;
}

export function newResponseIds(request: SimRequest): ResponseIds {
	return {
		response: newItemId('resp'),
		message: newItemId('msg'),
		reasoning: request.reasoning ? newItemId('rs') : null,
		createdAt: Math.floor(Date.now() / 1000),
	};
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export function reasoningItem(id: string): Record<string, unknown> {
	// gpt-5 sends an opaque blob even when `include` did not ask for it.
	return {id, type: 'reasoning', encrypted_content: `gAAAAAB${randomBytes(96).toString('base64')}`, summary: []};
}

export function textPart(text: string): Record<string, unknown> {
	return {type: 'output_text', annotations: [], logprobs: [], text};
}

export function messageItem(id: string, status: ItemStatus, text: string | null): Record<string, unknown> {
	return {id, type: 'message', status, content: text === null ? [] : [textPart(text)], role: 'assistant'};
}

/** The final `output` array. */
export function outputItems(ids: ResponseIds, text: string, status: ItemStatus, withMessage: boolean): Record<string, unknown>[] {
	const items: Record<string, unknown>[] = [];
	if (ids.reasoning) items.push(reasoningItem(ids.reasoning));
	if (withMessage) items.push(messageItem(ids.message, status, text));
	return items;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseState {
	readonly status: ResponseStatus;
	readonly output: readonly unknown[];
	readonly usage: Usage | null;
	readonly error?: {readonly code: string; readonly message: string} | null;
}

function echo(body: Readonly<Record<string, unknown>>, key: string, fallback: unknown): unknown {
	const value = body[key];
	return value === undefined || value === null ? fallback : value;
}

export function responseObject(request: SimRequest, ids: ResponseIds, state: ResponseState): Record<string, unknown> {
	const {body} = request;
	const finished = state.status !== 'in_progress';
	const reasoning = (body.reasoning ?? {}) as {effort?: unknown; summary?: unknown};
	return {
		id: ids.response,
		object: 'response',
		created_at: ids.createdAt,
		status: state.status,
		background: false,
		billing: {payer: 'developer'},
		completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
		error: state.error ?? null,
		incomplete_details: state.status === 'incomplete' ? {reason: 'max_output_tokens'} : null,
		instructions: request.instructions,
		max_output_tokens: request.maxOutputTokens,
		max_tool_calls: echo(body, 'max_tool_calls', null),
		model: request.snapshot,
		output: state.output,
		parallel_tool_calls: echo(body, 'parallel_tool_calls', true),
		previous_response_id: echo(body, 'previous_response_id', null),
		prompt_cache_key: echo(body, 'prompt_cache_key', null),
		prompt_cache_retention: null,
		reasoning: request.reasoning ? {effort: reasoning.effort ?? 'medium', summary: reasoning.summary ?? null} : {effort: null, summary: null},
		safety_identifier: echo(body, 'safety_identifier', null),
		// The tier is `auto` while running and the one actually used at the end.
		service_tier: finished ? 'default' : echo(body, 'service_tier', 'auto'),
		store: echo(body, 'store', true),
		temperature: echo(body, 'temperature', 1),
		text: echo(body, 'text', {format: {type: 'text'}, verbosity: 'medium'}),
		tool_choice: echo(body, 'tool_choice', 'auto'),
		tools: echo(body, 'tools', []),
		top_logprobs: echo(body, 'top_logprobs', 0),
		top_p: echo(body, 'top_p', 1),
		truncation: echo(body, 'truncation', 'disabled'),
		usage: state.usage,
		// The live API shows `user: null` while running (the spec's examples); the schema
		// types it as a string, so a finished object leaves an unset one out.
		...(body.user != null ? {user: body.user} : finished ? {} : {user: null}),
		metadata: echo(body, 'metadata', {}),
	};
}
