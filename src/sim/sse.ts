/**
 * The SSE side of a response (openai-wire.md §3): the full frame sequence with the time
 * each frame is due, ms after the headers. A mid-stream fault truncates the script.
 */
import type {StreamEnding, StreamStep} from './playback.js';
import {Rng} from './random.js';
import {
	type Generation,
	messageItem,
	type ResponseIds,
	reasoningItem,
	responseObject,
	textPart,
	type Usage,
	usageOf,
} from './response.js';
import type {SimRequest} from './validate.js';

export type {StreamEnding, StreamStep} from './playback.js';

export interface StreamScript {
	readonly steps: readonly StreamStep[];
	readonly ending: StreamEnding;
	/** The usage on the terminal event, when one is sent. */
	readonly usage: Usage | null;
	readonly terminal: 'completed' | 'incomplete' | 'failed' | null;
	/** Output tokens produced before the stream ended, for the limiter's correction. */
	readonly producedTokens: number;
}

export function sseFrame(event: Record<string, unknown> & {type: string}): string {
	return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

const OBFUSCATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** One shared run of random characters; each delta's padding is a seeded slice of it. */
const OBFUSCATION_POOL = (() => {
	const rng = new Rng(0x0bf5ca7e);
	let text = '';
	for (let i = 0; i < 4096; i++) text += OBFUSCATION_ALPHABET[Math.floor(rng.next() * OBFUSCATION_ALPHABET.length)];
	return text;
})();

/** Padding so a delta's size does not reveal its text; clients ignore it. */
export function obfuscation(rng: Rng, delta: string): string {
	const length = Math.max(2, 16 - delta.length);
	const start = Math.floor(rng.next() * (OBFUSCATION_POOL.length - length));
	return OBFUSCATION_POOL.slice(start, start + length);
}

export const STREAM_ERROR_MESSAGE =
	'The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error.';

export interface ScriptInput {
	readonly request: SimRequest;
	readonly ids: ResponseIds;
	readonly generation: Generation;
	readonly inputTokens: number;
	readonly perTokenMs: number;
	/** Where a mid-stream fault strikes (share of the visible pieces), and which. */
	readonly fault: {readonly kind: 'stall' | 'cut' | 'streamError'; readonly at: number} | null;
	readonly textSeed: number;
}

export function buildStreamScript(input: ScriptInput): StreamScript {
	const {request, ids, generation, inputTokens, perTokenMs, fault} = input;
	const steps: StreamStep[] = [];
	let sequence = 0;
	const push = (at: number, type: string, fields: Record<string, unknown>): void => {
		steps.push({at, data: sseFrame({type, sequence_number: sequence++, ...fields})});
	};
	const rng = new Rng(input.textSeed ^ 0x0bf5);
	const pieces = generation.pieces;
	const hasMessage = pieces.length > 0 || !generation.capped;
	const stopAfter = fault ? Math.floor(fault.at * pieces.length) : pieces.length;

	push(0, 'response.created', {response: responseObject(request, ids, {status: 'in_progress', output: [], usage: null})});
	push(0, 'response.in_progress', {response: responseObject(request, ids, {status: 'in_progress', output: [], usage: null})});

	const output: Record<string, unknown>[] = [];
	let outputIndex = 0;
	let at = 0;
	if (ids.reasoning) {
		const item = reasoningItem(ids.reasoning);
		push(at, 'response.output_item.added', {output_index: outputIndex, item: {id: ids.reasoning, type: 'reasoning', summary: []}});
		at += generation.reasoningTokens * perTokenMs;
		push(at, 'response.output_item.done', {output_index: outputIndex, item});
		output.push(item);
		outputIndex++;
	}

	const itemFields = {item_id: ids.message, output_index: outputIndex, content_index: 0};
	let text = '';
	if (hasMessage) {
		push(at, 'response.output_item.added', {output_index: outputIndex, item: messageItem(ids.message, 'in_progress', null)});
		push(at, 'response.content_part.added', {...itemFields, part: textPart('')});
		// The hot path at thousands of requests a second: frames built as text, not objects.
		const head = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":`;
		const fields = `,"item_id":"${ids.message}","output_index":${outputIndex},"content_index":0,"delta":`;
		for (let i = 0; i < stopAfter; i++) {
			at += perTokenMs;
			const delta = pieces[i];
			text += delta;
			const padding = request.obfuscation ? `,"obfuscation":"${obfuscation(rng, delta)}"` : '';
			steps.push({at, data: `${head}${sequence++}${fields}${JSON.stringify(delta)},"logprobs":[]${padding}}\n\n`});
		}
	}
	const producedTokens = generation.reasoningTokens + stopAfter;

	if (fault?.kind === 'stall' || fault?.kind === 'cut') {
		return {steps, ending: fault.kind, usage: null, terminal: null, producedTokens};
	}
	at += perTokenMs;
	if (fault?.kind === 'streamError') {
		// The nested shape seen in production (§3), on which the SDK throws, carrying the
		// documented flat fields too so the frame is also a valid ResponseErrorEvent.
		const detail = {code: 'server_error', message: STREAM_ERROR_MESSAGE, param: null};
		push(at, 'error', {...detail, error: {type: 'server_error', ...detail}});
		if (hasMessage) output.push(messageItem(ids.message, 'in_progress', text));
		const usage = usageOf(inputTokens, producedTokens, generation.reasoningTokens);
		push(at, 'response.failed', {
			response: responseObject(request, ids, {
				status: 'failed',
				output,
				usage,
				error: {code: 'server_error', message: STREAM_ERROR_MESSAGE},
			}),
		});
		return {steps, ending: 'end', usage, terminal: 'failed', producedTokens};
	}

	const status = generation.capped ? 'incomplete' : 'completed';
	if (hasMessage) {
		push(at, 'response.output_text.done', {...itemFields, text, logprobs: []});
		push(at, 'response.content_part.done', {...itemFields, part: textPart(text)});
		const item = messageItem(ids.message, status, text);
		push(at, 'response.output_item.done', {output_index: outputIndex, item});
		output.push(item);
	}
	const usage = usageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
	push(at, `response.${status}`, {response: responseObject(request, ids, {status, output, usage})});
	return {steps, ending: 'end', usage, terminal: status, producedTokens: generation.outputTokens};
}
