/**
 * The Chat Completions client: one streamed `chat.completions.create` through the official
 * SDK with its retries off, under the same attempt guards as the Responses client. The
 * neutral request becomes `messages` (./chatMessages.ts), its cap `max_completion_tokens`,
 * or `max_tokens` once a server has refused the new name (learned per client, so per run).
 */
import OpenAI from 'openai';
import {AttemptGuard, sdkClient} from './attemptGuard.js';
import type {AttemptOptions, AttemptResult, ModelClient, ModelRequest, OpenAIClientOptions} from './client.js';
import {StreamFailedError} from './errors.js';
import {parseRateLimitHeaders} from './headers.js';
import {StreamGaps} from './streamGaps.js';
import {chatBody} from './requestBody.js';
import type {Usage} from './types.js';

interface ChatUsageLike {
	prompt_tokens?: number;
	completion_tokens?: number;
	total_tokens?: number;
	prompt_tokens_details?: {cached_tokens?: number | null} | null;
	completion_tokens_details?: {reasoning_tokens?: number | null} | null;
}

interface ChunkLike {
	model?: string;
	choices?: Array<{delta?: {content?: string | null} | null; finish_reason?: string | null}>;
	usage?: ChatUsageLike | null;
}

export function chatUsageFrom(usage: ChatUsageLike | null | undefined): Usage | null {
	if (!usage || typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return null;
	const cached = usage.prompt_tokens_details?.cached_tokens;
	const reasoning = usage.completion_tokens_details?.reasoning_tokens;
	return {
		input_tokens: usage.prompt_tokens,
		output_tokens: usage.completion_tokens,
		total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
		...(cached != null ? {cached_tokens: cached} : {}),
		...(reasoning != null ? {reasoning_tokens: reasoning} : {}),
	};
}

/**
 * A server that knows only the older `max_tokens`: a 400 (or 422) naming
 * `max_completion_tokens` as the parameter, or in its message ("Unsupported parameter",
 * "Unrecognized request argument supplied", "extra fields not permitted" and the like).
 */
export function refusesMaxCompletionTokens(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const e = error as {status?: unknown; param?: unknown; message?: unknown; error?: {message?: unknown} | null};
	if (e.status !== 400 && e.status !== 422) return false;
	if (e.param === 'max_completion_tokens') return true;
	const text = `${typeof e.error?.message === 'string' ? e.error.message : ''} ${typeof e.message === 'string' ? e.message : ''}`;
	return text.includes('max_completion_tokens');
}

/** One attempt on the Chat Completions API (`POST /chat/completions`, streamed). */
export class ChatClient implements ModelClient {
	readonly #sdk: OpenAI;
	/** How this server's healthy replies pause: what tells a stalled one (streamGaps.ts). */
	readonly #gaps = new StreamGaps();
	/** The server refused `max_completion_tokens` once: every later request says `max_tokens`. */
	#legacyMaxTokens = false;

	constructor(options: OpenAIClientOptions) {
		this.#sdk = sdkClient(options);
	}

	/** Whether this client has learned to send `max_tokens`. */
	get sendsMaxTokens(): boolean {
		return this.#legacyMaxTokens;
	}

	apiFor(): 'chat' {
		return 'chat';
	}

	#body(request: ModelRequest): OpenAI.Chat.ChatCompletionCreateParamsStreaming {
		const body = chatBody(request, this.#legacyMaxTokens);
		return {
			...body,
			stream: true,
			stream_options: {...(body.stream_options as object | undefined), include_usage: true},
		} as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming;
	}

	async #open(request: ModelRequest, guard: AttemptGuard) {
		const send = () =>
			this.#sdk.chat.completions.create(this.#body(request), {signal: guard.signal, timeout: guard.timeoutMs, maxRetries: 0}).withResponse();
		// Another request may learn the old name while this one is on its way.
		const sentNewName = !this.#legacyMaxTokens && request.maxOutputTokens != null;
		try {
			return await send();
		} catch (error) {
			if (!sentNewName || !refusesMaxCompletionTokens(error)) throw error;
			// Not a retry: the same attempt in the words this server knows.
			this.#legacyMaxTokens = true;
			guard.touch();
			return await send();
		}
	}

	async attempt(request: ModelRequest, options: AttemptOptions = {}): Promise<AttemptResult> {
		const guard = new AttemptGuard(options, this.#gaps);
		try {
			options.onApi?.('chat');
			const {data: stream, response} = await this.#open(request, guard);
			guard.touch();
			const requestId = (guard.requestId = response.headers.get('x-request-id'));
			const rateLimits = parseRateLimitHeaders(name => response.headers.get(name));
			options.onHeaders?.(rateLimits, requestId);

			let text = '';
			let finishReason: string | null = null;
			let usage: Usage | null = null;
			let model: string | null = null;
			for await (const chunk of stream as AsyncIterable<ChunkLike>) {
				guard.touch();
				if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
				if (chunk.usage) usage = chatUsageFrom(chunk.usage) ?? usage;
				const choice = chunk.choices?.[0];
				if (!choice) continue;
				const delta = choice.delta?.content;
				if (typeof delta === 'string' && delta) {
					guard.replying();
					text += delta;
					options.onDelta?.(delta);
				}
				if (choice.finish_reason) finishReason = choice.finish_reason;
			}
			guard.throwIfAborted();
			// The SDK hides `[DONE]`; a stream that closed before any finish_reason was cut.
			if (!finishReason) throw new StreamFailedError('the stream ended before the reply was complete (no finish_reason)', null, requestId, true);
			guard.completed();

			const incomplete = finishReason === 'length' || finishReason === 'content_filter';
			return {
				text,
				usage,
				truncated: finishReason === 'length',
				status: incomplete ? 'incomplete' : 'completed',
				incompleteReason: finishReason === 'length' ? 'max_output_tokens' : incomplete ? finishReason : null,
				requestId,
				model,
				rateLimits,
				api: 'chat',
			};
		} catch (error) {
			throw guard.reason(error);
		} finally {
			guard.dispose();
		}
	}
}
