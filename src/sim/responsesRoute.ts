/**
 * `POST /v1/responses`: validation, the request key and its attempt count, rate
 * limits, then the seeded plan played out as JSON or SSE.
 */
import type {SimConfig} from './config.js';
import * as errors from './errors.js';
import type {SimErrorResponse} from './errors.js';
import type {Exchange, Headers} from './exchange.js';
import {type AttemptFault, type AttemptPlan, isPermanentlyBad, planAttempt} from './faults.js';
import {hash53} from './random.js';
import type {RateLimiter} from './ratelimit.js';
import {generate, newResponseIds, outputItems, responseObject, usageOf} from './response.js';
import {buildStreamScript, type StreamScript} from './sse.js';
import type {StatsRecorder} from './stats.js';
import {countInputTokens} from './text.js';
import {parseRequest, type SimRequest} from './validate.js';

/**
 * What a request without `max_output_tokens` reserves against TPM. The real API
 * presumably reserves the model's whole output limit; this is gentler.
 */
export const DEFAULT_OUTPUT_RESERVATION = 4096;

/** Smallest gap between two writes of a stream; closer deltas share a write. */
const MIN_TICK_MS = 8;

interface KeyState {
	/** Admitted attempts so far: the next attempt's number. */
	attempts: number;
	readonly inputTokens: number;
}

export class ResponsesRoute {
	readonly #config: SimConfig;
	readonly #limiter: RateLimiter;
	readonly #stats: StatsRecorder;
	/** Per request key; grows with distinct prompts only, never with traffic. */
	readonly #keys = new Map<number, KeyState>();

	constructor(config: SimConfig, limiter: RateLimiter, stats: StatsRecorder) {
		this.#config = config;
		this.#limiter = limiter;
		this.#stats = stats;
	}

	handle(exchange: Exchange, rawBody: string): void {
		const parsed = parseRequest(rawBody);
		if (!parsed.ok) {
			this.#sendError(exchange, parsed.error);
			return;
		}
		const request = parsed.request;
		exchange.notes.push(`model=${request.model}`, request.stream ? 'stream' : 'json');
		const keyHash = hash53(`${request.model}\u0000${request.instructions ?? ''}\u0000${request.inputText}`);
		let key = this.#keys.get(keyHash);
		if (!key) {
			key = {attempts: 0, inputTokens: countInputTokens(request.input, request.instructions, request.gpt5)};
			this.#keys.set(keyHash, key);
		}
		const config = this.#config;
		if (key.inputTokens > config.contextWindow) {
			this.#sendError(exchange, errors.contextLengthExceeded());
			return;
		}
		if (isPermanentlyBad(config.seed, keyHash, config.faults.badRequest)) {
			this.#stats.fault('badRequest');
			exchange.notes.push('fault=badRequest');
			this.#sendError(exchange, errors.invalidPrompt());
			return;
		}

		const estimate = key.inputTokens + (request.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVATION);
		if (this.#limiter.isTooLarge(estimate)) {
			this.#stats.tooLarge();
			exchange.notes.push('too-large');
			this.#sendError(exchange, errors.requestTooLarge(request.model, this.#limiter.tokens.limit, estimate));
			return;
		}
		const now = Date.now();
		const admission = this.#limiter.admit(estimate, now);
		if (!admission.ok) {
			this.#stats.rateLimited(admission.dimension, now);
			exchange.notes.push(`limited=${admission.dimension}`);
			const {dimension, limit, used, requested, waitMs} = admission;
			this.#sendError(exchange, errors.rateLimited(request.model, dimension, limit, used, requested, waitMs));
			return;
		}
		this.#stats.admitted(now);
		// As at admission, like the real API: later usage corrections don't show until the next request.
		const limitHeaders = config.rateLimitHeaders ? this.#limiter.headers(now) : {};

		const attempt = key.attempts++;
		const plan = planAttempt(
			config.seed,
			keyHash,
			attempt,
			config.profile,
			config.faults,
			request.reasoning,
			config.latencyScale,
		);
		exchange.notes.push(`attempt=${attempt}`);
		if (plan.fault) {
			this.#stats.fault(plan.fault);
			exchange.notes.push(`fault=${plan.fault}`);
		}

		let charged = estimate;
		/** Replace the admission estimate with what was really used (openai-wire.md §5). */
		const chargeActual = (tokens: number): void => {
			this.#limiter.tokens.adjust(tokens - charged, Date.now());
			charged = tokens;
		};
		const early = plan.fault ? this.#earlyFault(plan.fault, plan, request, estimate) : null;
		if (early) {
			chargeActual(0);
			exchange.after(early.delayMs, () => {
				if (early.response) this.#sendError(exchange, early.response);
				else exchange.destroy();
			});
			return;
		}
		const headers = (): Headers => exchange.apiHeaders(limitHeaders);
		if (request.stream) this.#stream(exchange, request, plan, key.inputTokens, chargeActual, headers);
		else this.#json(exchange, request, plan, key.inputTokens, chargeActual, headers);
	}

	/** Faults that strike before any 200: an error response, or a reset (`response: null`). */
	#earlyFault(
		fault: AttemptFault,
		plan: AttemptPlan,
		request: SimRequest,
		estimate: number,
	): {delayMs: number; response: SimErrorResponse | null} | null {
		const ttfb = plan.ttfbMs;
		switch (fault) {
			case 'rateLimit': {
				const tokens = this.#limiter.tokens;
				const requests = this.#limiter.requests;
				const response = !tokens.unlimited
					? errors.rateLimited(request.model, 'tokens', tokens.limit, Math.max(0, tokens.limit - Math.floor(estimate / 2)), estimate, plan.retryAfterMs)
					: errors.rateLimited(request.model, 'requests', requests.unlimited ? this.#config.profile.rpm : requests.limit, requests.unlimited ? this.#config.profile.rpm : requests.limit, 1, plan.retryAfterMs);
				return {delayMs: ttfb * 0.15, response};
			}
			case 'slowDown':
				return {delayMs: ttfb * 0.15, response: errors.slowDown(plan.retryAfterMs)};
			case 'quota':
				return {delayMs: ttfb * 0.15, response: errors.insufficientQuota()};
			case 'server500':
				return {delayMs: ttfb, response: errors.serverError()};
			case 'badGateway502':
				return {delayMs: ttfb * 0.5, response: errors.badGateway()};
			case 'overloaded503':
				return {delayMs: ttfb, response: errors.overloaded()};
			case 'gatewayTimeout504':
				return {delayMs: ttfb * 2, response: errors.gatewayTimeout()};
			case 'reset':
				return {delayMs: ttfb * 0.5, response: null};
			default:
				return null;
		}
	}

	#json(
		exchange: Exchange,
		request: SimRequest,
		plan: AttemptPlan,
		inputTokens: number,
		chargeActual: (tokens: number) => void,
		headers: () => Headers,
	): void {
		const generation = generate(plan, request.maxOutputTokens);
		const totalMs = plan.ttfbMs + (generation.reasoningTokens + generation.pieces.length) * plan.perTokenMs;
		if (plan.fault === 'stall') {
			// Headers never come; only the client's timeout or close() ends it.
			exchange.onAbort(() => chargeActual(inputTokens));
			return;
		}
		if (plan.fault === 'streamError') {
			exchange.after(totalMs, () => {
				chargeActual(inputTokens + generation.outputTokens);
				this.#sendError(exchange, errors.serverError());
			});
			return;
		}
		exchange.onAbort(() => chargeActual(inputTokens));
		exchange.after(totalMs, () => {
			exchange.settle();
			const status = generation.capped ? 'incomplete' : 'completed';
			const ids = newResponseIds(request);
			const text = generation.pieces.join('');
			const usage = usageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
			const withMessage = generation.pieces.length > 0 || !generation.capped;
			const body = JSON.stringify(
				responseObject(request, ids, {status, output: outputItems(ids, text, status, withMessage), usage}),
				null,
				2,
			);
			chargeActual(inputTokens + generation.outputTokens);
			if (plan.fault === 'cut') {
				// Promise the whole body, deliver half, hang up.
				exchange.writeHead(200, {
					...headers(),
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(body),
				});
				exchange.res.write(body.slice(0, Math.floor(body.length * plan.faultAt)), () => exchange.destroy());
				return;
			}
			this.#stats.billed(inputTokens, generation.outputTokens, status);
			exchange.sendBody(200, 'application/json', body, headers());
		});
	}

	#stream(
		exchange: Exchange,
		request: SimRequest,
		plan: AttemptPlan,
		inputTokens: number,
		chargeActual: (tokens: number) => void,
		headers: () => Headers,
	): void {
		const generation = generate(plan, request.maxOutputTokens);
		const fault = plan.fault === 'stall' || plan.fault === 'cut' || plan.fault === 'streamError' ? {kind: plan.fault, at: plan.faultAt} : null;
		const script = buildStreamScript({
			request,
			ids: newResponseIds(request),
			generation,
			inputTokens,
			perTokenMs: plan.perTokenMs,
			fault,
			textSeed: plan.textSeed,
		});
		exchange.onAbort(() => chargeActual(inputTokens + script.producedTokens));
		exchange.after(plan.ttfbMs, () => {
			exchange.writeHead(200, {
				...headers(),
				'content-type': 'text/event-stream; charset=utf-8',
				'cache-control': 'no-cache',
			});
			this.#play(exchange, script, () => {
				if (script.ending === 'stall') return;
				exchange.settle();
				chargeActual(inputTokens + script.producedTokens);
				if (script.usage && script.terminal) this.#stats.billed(script.usage.input_tokens, script.usage.output_tokens, script.terminal);
			});
		});
	}

	/** Writes each frame when it is due; frames due together go out in one write. */
	#play(exchange: Exchange, script: StreamScript, onFinished: () => void): void {
		const {steps} = script;
		const startedAt = performance.now();
		let next = 0;
		const tick = (): void => {
			const elapsed = performance.now() - startedAt;
			let chunk = '';
			while (next < steps.length && steps[next].at <= elapsed + MIN_TICK_MS / 2) chunk += steps[next++].data;
			if (next < steps.length) {
				if (chunk) exchange.res.write(chunk);
				exchange.after(Math.max(MIN_TICK_MS, steps[next].at - elapsed), tick);
				return;
			}
			onFinished();
			if (script.ending === 'end') {
				exchange.res.end(chunk);
			} else if (script.ending === 'cut') {
				// Only hang up once the partial stream has reached the socket.
				if (chunk) exchange.res.write(chunk, () => exchange.destroy());
				else exchange.destroy();
			} else if (chunk) {
				exchange.res.write(chunk);
			}
		};
		tick();
	}

	#headers(exchange: Exchange, extra: Headers = {}): Headers {
		const config = this.#config;
		return exchange.apiHeaders({
			...(config.rateLimitHeaders ? this.#limiter.headers(Date.now()) : {}),
			...extra,
		});
	}

	#sendError(exchange: Exchange, error: SimErrorResponse): void {
		const config = this.#config;
		const extra: Headers = {};
		if (error.retryAfterMs !== undefined && config.retryAfter) {
			extra['retry-after-ms'] = Math.ceil(error.retryAfterMs);
			extra['retry-after'] = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
		}
		if (error.shouldRetry !== undefined && config.shouldRetryHeader) extra['x-should-retry'] = String(error.shouldRetry);
		// A CDN's HTML page carries none of the API's headers.
		exchange.sendError(error, error.contentType === 'application/json' ? this.#headers(exchange, extra) : {});
	}
}
