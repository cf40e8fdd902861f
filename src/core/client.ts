/**
 * One attempt: a streamed `responses.create` through the official SDK with its retries
 * off (pacer owns every retry), a whole-attempt timeout and an idle-stream timeout of
 * pacer's own (the SDK's `timeout` stops at the response headers), and an AbortSignal.
 */
import OpenAI from 'openai';
import {AttemptTimeoutError, StreamFailedError} from './errors.js';
import {parseRateLimitHeaders} from './headers.js';
import {IdleWatch} from './idleWatch.js';
import type {RateLimitHeaders, Usage} from './types.js';

export interface AttemptRequest {
	readonly model: string;
	readonly input: string | readonly unknown[];
	readonly instructions?: string;
	readonly maxOutputTokens?: number;
	readonly metadata?: Readonly<Record<string, string>>;
	/** Other body fields, passed through as they are. */
	readonly extraBody?: Readonly<Record<string, unknown>>;
}

export interface AttemptOptions {
	/** Aborts the attempt; its `reason` is what the attempt rejects with. */
	readonly signal?: AbortSignal;
	/** Whole attempt: connect, headers and the full body. @default 60000 */
	readonly timeoutMs?: number;
	/** Longest silence allowed on an open stream. @default 20000 */
	readonly idleTimeoutMs?: number;
	/** Each piece of text as it streams. */
	readonly onDelta?: (text: string) => void;
	/** The rate-limit headers of the response, as soon as they arrive. */
	readonly onHeaders?: (headers: RateLimitHeaders, requestId: string | null) => void;
}

export interface AttemptResult {
	readonly text: string;
	readonly usage: Usage | null;
	/** The reply stopped at max_output_tokens. */
	readonly truncated: boolean;
	readonly status: 'completed' | 'incomplete';
	readonly incompleteReason: string | null;
	readonly requestId: string | null;
	/** The model as the server named it (often a dated snapshot). */
	readonly model: string | null;
	readonly rateLimits: RateLimitHeaders;
}

/** The seam: the engine calls this, tests may pass a client pointed at the simulator. */
export interface ModelClient {
	attempt(request: AttemptRequest, options?: AttemptOptions): Promise<AttemptResult>;
}

export interface OpenAIClientOptions {
	readonly apiKey: string;
	/** Including `/v1`. @default the SDK's (OPENAI_BASE_URL or api.openai.com) */
	readonly baseURL?: string;
	readonly organization?: string;
	readonly project?: string;
}

interface ResponseLike {
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
function outputText(response: ResponseLike): string | null {
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

export class OpenAIModelClient implements ModelClient {
	readonly #sdk: OpenAI;

	constructor(options: OpenAIClientOptions) {
		this.#sdk = new OpenAI({
			apiKey: options.apiKey,
			baseURL: options.baseURL,
			organization: options.organization ?? null,
			project: options.project ?? null,
			maxRetries: 0,
		});
	}

	async attempt(request: AttemptRequest, options: AttemptOptions = {}): Promise<AttemptResult> {
		const timeoutMs = options.timeoutMs ?? 60_000;
		const idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
		const controller = new AbortController();
		const parent = options.signal;
		const onParentAbort = () => controller.abort(parent!.reason);
		if (parent?.aborted) throw parent.reason;
		parent?.addEventListener('abort', onParentAbort, {once: true});
		const wholeTimer = setTimeout(() => controller.abort(new AttemptTimeoutError('attempt', timeoutMs)), timeoutMs);
		const idle = new IdleWatch(idleTimeoutMs, () => controller.abort(new AttemptTimeoutError('idle', idleTimeoutMs)));
		const touch = () => idle.touch();

		let requestId: string | null = null;
		try {
			const body = {
				...request.extraBody,
				model: request.model,
				input: request.input,
				...(request.instructions != null ? {instructions: request.instructions} : {}),
				...(request.maxOutputTokens != null ? {max_output_tokens: request.maxOutputTokens} : {}),
				...(request.metadata ? {metadata: request.metadata} : {}),
				stream: true as const,
			} as OpenAI.Responses.ResponseCreateParamsStreaming;
			const {data: stream, response} = await this.#sdk.responses
				.create(body, {signal: controller.signal, timeout: timeoutMs, maxRetries: 0})
				.withResponse();
			touch();
			requestId = response.headers.get('x-request-id');
			const rateLimits = parseRateLimitHeaders(name => response.headers.get(name));
			options.onHeaders?.(rateLimits, requestId);

			let streamed = '';
			let final: ResponseLike | null = null;
			for await (const event of stream) {
				touch();
				const type = (event as {type?: string}).type;
				if (type === 'response.output_text.delta') {
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
			if (controller.signal.aborted) throw controller.signal.reason;
			if (!final) throw new StreamFailedError('the stream ended before the response was complete', null, requestId, true);

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
			};
		} catch (error) {
			// Our own timeouts and cancels surface from the SDK as aborts; give back the real reason.
			if (controller.signal.aborted) throw controller.signal.reason;
			if (requestId && error instanceof Error && !(error as {requestID?: string}).requestID) {
				(error as {requestID?: string}).requestID = requestId;
			}
			throw error;
		} finally {
			clearTimeout(wholeTimer);
			idle.stop();
			parent?.removeEventListener('abort', onParentAbort);
		}
	}
}
