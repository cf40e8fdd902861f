/**
 * Chat Completions replies (openai-wire.md §10): the `chat.completion` object and the
 * `chat.completion.chunk` stream script, with the time each frame is due after the headers.
 */
import {randomInt} from 'node:crypto';
import type {ChatRequest} from './chatValidate.js';
import type {StreamEnding, StreamStep} from './playback.js';
import {Rng} from './random.js';
import type {Generation} from './response.js';
import {obfuscation, STREAM_ERROR_MESSAGE} from './sse.js';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `chatcmpl-` + 29 letters and digits, like the real ids. */
export function newChatId(): string {
	let id = 'chatcmpl-';
	for (let i = 0; i < 29; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
	return id;
}

export interface ChatUsage {
	readonly prompt_tokens: number;
	readonly completion_tokens: number;
	readonly total_tokens: number;
	readonly prompt_tokens_details: {readonly cached_tokens: number; readonly audio_tokens: number};
	readonly completion_tokens_details: {
		readonly reasoning_tokens: number;
		readonly audio_tokens: number;
		readonly accepted_prediction_tokens: number;
		readonly rejected_prediction_tokens: number;
	};
}

export function chatUsageOf(inputTokens: number, outputTokens: number, reasoningTokens: number): ChatUsage {
	return {
		prompt_tokens: inputTokens,
		completion_tokens: outputTokens,
		total_tokens: inputTokens + outputTokens,
		prompt_tokens_details: {cached_tokens: 0, audio_tokens: 0},
		completion_tokens_details: {reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0},
	};
}

export type FinishReason = 'stop' | 'length';

export const finishReasonOf = (generation: Generation): FinishReason => (generation.capped ? 'length' : 'stop');

/** What a chat reply's id, time and model are; the same on every chunk of one stream. */
export interface ChatIdentity {
	readonly id: string;
	readonly created: number;
	readonly model: string;
}

export function chatIdentity(request: ChatRequest): ChatIdentity {
	return {id: newChatId(), created: Math.floor(Date.now() / 1000), model: request.snapshot};
}

export function chatCompletion(identity: ChatIdentity, text: string, finishReason: FinishReason, usage: ChatUsage): Record<string, unknown> {
	return {
		...identity,
		object: 'chat.completion',
		choices: [
			{
				index: 0,
				message: {role: 'assistant', content: text, refusal: null, annotations: []},
				logprobs: null,
				finish_reason: finishReason,
			},
		],
		usage,
		service_tier: 'default',
	};
}

export interface ChatStreamScript {
	readonly steps: readonly StreamStep[];
	readonly ending: StreamEnding;
	readonly finishReason: FinishReason | null;
	/** Output tokens produced before the stream ended, for the limiter's correction. */
	readonly producedTokens: number;
}

export interface ChatScriptInput {
	readonly request: ChatRequest;
	readonly identity: ChatIdentity;
	readonly generation: Generation;
	readonly inputTokens: number;
	readonly perTokenMs: number;
	/** Where a mid-stream fault strikes (share of the visible pieces), and which. */
	readonly fault: {readonly kind: 'stall' | 'cut' | 'streamError'; readonly at: number} | null;
	readonly textSeed: number;
}

const data = (payload: string): string => `data: ${payload}\n\n`;

/**
 * Role first, one content delta per token, the finish chunk, the usage chunk (`choices:
 * []`) when asked for, `[DONE]`. No `event:` lines. A mid-stream fault truncates it: a
 * stall or cut just stops; a stream error sends `data: {"error": {...}}` and ends.
 */
export function buildChatStreamScript(input: ChatScriptInput): ChatStreamScript {
	const {request, identity, generation, inputTokens, perTokenMs, fault} = input;
	const steps: StreamStep[] = [];
	const rng = new Rng(input.textSeed ^ 0xc4a7);
	// The hot path at thousands of requests a second: chunks built as text, not objects.
	const head = `{"id":"${identity.id}","object":"chat.completion.chunk","created":${identity.created},"model":${JSON.stringify(identity.model)},"service_tier":"default","choices":`;
	const tail = request.includeUsage ? ',"usage":null' : '';
	const choice = (delta: string, finish: string | null): string =>
		`[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]`;
	const padding = (text: string): string => (request.obfuscation ? `,"obfuscation":"${obfuscation(rng, text)}"` : '');

	steps.push({at: 0, data: data(`${head}${choice('{"role":"assistant","content":"","refusal":null}', null)}${tail}${padding('')}}`)});
	const pieces = generation.pieces;
	const stopAfter = fault ? Math.floor(fault.at * pieces.length) : pieces.length;
	let at = generation.reasoningTokens * perTokenMs;
	for (let i = 0; i < stopAfter; i++) {
		at += perTokenMs;
		const piece = pieces[i];
		steps.push({at, data: data(`${head}${choice(`{"content":${JSON.stringify(piece)}}`, null)}${tail}${padding(piece)}}`)});
	}
	const producedTokens = generation.reasoningTokens + stopAfter;
	if (fault?.kind === 'stall' || fault?.kind === 'cut') return {steps, ending: fault.kind, finishReason: null, producedTokens};
	at += perTokenMs;
	if (fault?.kind === 'streamError') {
		const error = {message: STREAM_ERROR_MESSAGE, type: 'server_error', param: null, code: 'server_error'};
		steps.push({at, data: data(JSON.stringify({error}))});
		return {steps, ending: 'end', finishReason: null, producedTokens};
	}
	const finishReason = finishReasonOf(generation);
	steps.push({at, data: data(`${head}${choice('{}', finishReason)}${tail}${padding('')}}`)});
	if (request.includeUsage) {
		const usage = chatUsageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
		steps.push({at, data: data(`${head}[],"usage":${JSON.stringify(usage)}${padding('')}}`)});
	}
	steps.push({at, data: data('[DONE]')});
	return {steps, ending: 'end', finishReason, producedTokens: generation.outputTokens};
}
