/**
 * The Responses API client: one streamed `responses.create` through the official SDK with
 * its retries off, under pacer's attempt guards (whole-attempt and idle-stream timeouts,
 * the caller's AbortSignal). The SDK sends the request and turns an error status into its
 * errors; the event stream is read by `sseEvents`, the SDK's rules in a fraction of its CPU.
 */
import OpenAI from 'openai';
import {AttemptGuard, sdkClient} from './attemptGuard.js';
import type {AttemptOptions, AttemptResult, ModelClient, ModelRequest, OpenAIClientOptions} from './client.js';
import {StreamFailedError} from './errors.js';
import {parseRateLimitHeaders} from './headers.js';
import {StreamGaps} from './streamGaps.js';
import {responsesBody} from './requestBody.js';
import {sseEvents} from './sseEvents.js';
import type {Usage} from './types.js';

export interface ResponseLike {
	status?: string;
	model?: string;
	output?: Array<{type?: string; content?: Array<{type?: string; text?: string}>}>;
	usage?: {
		input_tokens?: number;
		output_tokens?: number;
		total_tokens?: number;
		input_tokens_details?: {cached_tokens?: number};
		output_tokens_details?: {reasoning_tokens?: number};
	} | null;
	incomplete_details?: {reason?: string} | null;
	error?: {code?: string | null; message?: string} | null;
}

/** The SDK's `output_text` rule: every output_text part of every message item, joined. */
export function outputText(response: ResponseLike): string | null {
	if (!Array.isArray(response.output)) return null;
	let text = '';
	let any = false;
	for (const item of response.output) {
		if (item?.type !== 'message' || !Array.isArray(item.content)) continue;
		for (const part of item.content) {
			if (part?.type === 'output_text' && typeof part.text === 'string') {
				text += part.text;
				any = true;
			}
		}
	}
	return any ? text : null;
}

export function usageFrom(usage: ResponseLike['usage']): Usage | null {
	if (!usage || typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return null;
	return {
		input_tokens: usage.input_tokens,
		output_tokens: usage.output_tokens,
		total_tokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
		...(usage.input_tokens_details?.cached_tokens != null ? {cached_tokens: usage.input_tokens_details.cached_tokens} : {}),
		...(usage.output_tokens_details?.reasoning_tokens != null
			? {reasoning_tokens: usage.output_tokens_details.reasoning_tokens}
			: {}),
	};
}

/** One attempt on the Responses API (`POST /responses`, streamed). */
export class ResponsesClient implements ModelClient {
	readonly #sdk: OpenAI;
	/** How this server's healthy replies pause: what tells a stalled one (streamGaps.ts). */
	readonly #gaps = new StreamGaps();

	constructor(options: OpenAIClientOptions) {
		this.#sdk = sdkClient(options);
	}

	apiFor(): 'responses' {
		return 'responses';
	}

	async attempt(request: ModelRequest, options: AttemptOptions = {}): Promise<AttemptResult> {
		const guard = new AttemptGuard(options, this.#gaps);
		try {
			options.onApi?.('responses');
			const body = {...responsesBody(request), stream: true as const} as unknown as OpenAI.Responses.ResponseCreateParamsStreaming;
			const response = await this.#sdk.responses.create(body, {signal: guard.signal, timeout: guard.timeoutMs, maxRetries: 0}).asResponse();
			guard.touch();
			const requestId = (guard.requestId = response.headers.get('x-request-id'));
			const rateLimits = parseRateLimitHeaders(name => response.headers.get(name));
			options.onHeaders?.(rateLimits, requestId);

			let streamed = '';
			let final: ResponseLike | null = null;
			for await (const {data: event} of sseEvents(response)) {
				guard.touch();
				const type = (event as {type?: string}).type;
				if (type === 'response.output_text.delta') {
					guard.replying();
					const delta = (event as {delta?: string}).delta ?? '';
					streamed += delta;
					if (delta) options.onDelta?.(delta);
				} else if (type === 'response.completed' || type === 'response.incomplete') {
					final = (event as {response: ResponseLike}).response;
				} else if (type === 'response.failed') {
					const failed = (event as {response?: ResponseLike}).response;
					const error = failed?.error;
					throw new StreamFailedError(error?.message ?? 'the response failed', error?.code ?? 'server_error', requestId);
				} else if (type === 'error') {
					// The documented flat error frame; the nested one makes the SDK throw instead.
					const flat = event as unknown as {code?: string | null; message?: string};
					throw new StreamFailedError(flat.message ?? 'the stream reported an error', flat.code ?? null, requestId);
				}
			}
			guard.throwIfAborted();
			if (!final) throw new StreamFailedError('the stream ended before the response was complete', null, requestId, true);
			guard.completed();

			const incompleteReason = final.status === 'incomplete' ? (final.incomplete_details?.reason ?? 'unknown') : null;
			return {
				text: outputText(final) ?? streamed,
				usage: usageFrom(final.usage),
				truncated: incompleteReason === 'max_output_tokens',
				status: final.status === 'incomplete' ? 'incomplete' : 'completed',
				incompleteReason,
				requestId,
				model: final.model ?? null,
				rateLimits,
				api: 'responses',
			};
		} catch (error) {
			throw guard.reason(error);
		} finally {
			guard.dispose();
		}
	}
}
