/**
 * What every API route does between a valid request and its answer: the request key and
 * its attempt count, the context window, the permanent badRequest, "Request too large",
 * the shared RPM/TPM limits, the seeded plan and the faults that strike before any 200.
 * One instance serves both routes, so they share one limit budget and one key space.
 */
import type {SimConfig} from './config.js';
import * as errors from './errors.js';
import type {SimErrorResponse} from './errors.js';
import type {Exchange, Headers} from './exchange.js';
import {type AttemptFault, type AttemptPlan, isPermanentlyBad, planAttempt} from './faults.js';
import {hash53} from './random.js';
import type {RateLimiter} from './ratelimit.js';
import type {StatsRecorder} from './stats.js';

/**
 * What a request without an output cap reserves against TPM. The real API presumably
 * reserves the model's whole output limit; this is gentler.
 */
export const DEFAULT_OUTPUT_RESERVATION = 4096;

/** What the gate needs to know of a request, whichever API carried it. */
export interface AttemptRequest {
	readonly model: string;
	/**
	 * The seeded request key: `model`, instructions and input. A chat request whose
	 * messages are one system message and one user message has the same key as the
	 * Responses request with those instructions and that input, so both APIs see the
	 * same faults, latencies and text for the same prompt.
	 */
	readonly key: string;
	/** Counted once per key. */
	readonly countInputTokens: () => number;
	readonly maxOutputTokens: number | null;
	readonly reasoning: boolean;
}

/** An admitted attempt, ready to be played out by its route. */
export interface Attempt {
	readonly plan: AttemptPlan;
	readonly inputTokens: number;
	/** Replace the TPM charge so far with what was really used (openai-wire.md §5). */
	readonly chargeActual: (tokens: number) => void;
	/** The API's headers for the 200, with the limits as they stood at admission. */
	readonly headers: () => Headers;
}

interface KeyState {
	/** Admitted attempts so far: the next attempt's number. */
	attempts: number;
	readonly inputTokens: number;
}

export class AttemptGate {
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

	/** The attempt to play out, or null when the gate has already answered (an error or a reset). */
	begin(exchange: Exchange, request: AttemptRequest): Attempt | null {
		const keyHash = hash53(request.key);
		let key = this.#keys.get(keyHash);
		if (!key) {
			key = {attempts: 0, inputTokens: request.countInputTokens()};
			this.#keys.set(keyHash, key);
		}
		const config = this.#config;
		if (key.inputTokens > config.contextWindow) {
			this.sendError(exchange, errors.contextLengthExceeded());
			return null;
		}
		if (isPermanentlyBad(config.seed, keyHash, config.faults.badRequest)) {
			this.#stats.fault('badRequest');
			exchange.notes.push('fault=badRequest');
			this.sendError(exchange, errors.invalidPrompt());
			return null;
		}

		const estimate = key.inputTokens + (request.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVATION);
		if (this.#limiter.isTooLarge(estimate)) {
			this.#stats.tooLarge();
			exchange.notes.push('too-large');
			this.sendError(exchange, errors.requestTooLarge(request.model, this.#limiter.tokens.limit, estimate));
			return null;
		}
		const now = Date.now();
		const admission = this.#limiter.admit(estimate, now);
		if (!admission.ok) {
			this.#stats.rateLimited(admission.dimension, now);
			exchange.notes.push(`limited=${admission.dimension}`);
			const {dimension, limit, used, requested, waitMs} = admission;
			this.sendError(exchange, errors.rateLimited(request.model, dimension, limit, used, requested, waitMs));
			return null;
		}
		this.#stats.admitted(now);
		// As at admission, like the real API: later usage corrections don't show until the next request.
		const limitHeaders = config.rateLimitHeaders ? this.#limiter.headers(now) : {};

		const attempt = key.attempts++;
		const plan = planAttempt(config.seed, keyHash, attempt, config.profile, config.faults, request.reasoning, config.latencyScale);
		exchange.notes.push(`attempt=${attempt}`);
		if (plan.fault) {
			this.#stats.fault(plan.fault);
			exchange.notes.push(`fault=${plan.fault}`);
		}

		let charged = estimate;
		const chargeActual = (tokens: number): void => {
			this.#limiter.tokens.adjust(tokens - charged, Date.now());
			charged = tokens;
		};
		const early = plan.fault ? this.#earlyFault(plan.fault, plan, request.model, estimate) : null;
		if (early) {
			chargeActual(0);
			exchange.after(early.delayMs, () => {
				if (early.response) this.sendError(exchange, early.response);
				else exchange.destroy();
			});
			return null;
		}
		return {plan, inputTokens: key.inputTokens, chargeActual, headers: () => exchange.apiHeaders(limitHeaders)};
	}

	/** Faults that strike before any 200: an error response, or a reset (`response: null`). */
	#earlyFault(
		fault: AttemptFault,
		plan: AttemptPlan,
		model: string,
		estimate: number,
	): {delayMs: number; response: SimErrorResponse | null} | null {
		const ttfb = plan.ttfbMs;
		switch (fault) {
			case 'rateLimit': {
				const tokens = this.#limiter.tokens;
				const requests = this.#limiter.requests;
				const rpm = requests.unlimited ? this.#config.profile.rpm : requests.limit;
				const response = !tokens.unlimited
					? errors.rateLimited(model, 'tokens', tokens.limit, Math.max(0, tokens.limit - Math.floor(estimate / 2)), estimate, plan.retryAfterMs)
					: errors.rateLimited(model, 'requests', rpm, rpm, 1, plan.retryAfterMs);
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

	/** An error with the API's headers, retry-after and x-should-retry as the config asks. */
	sendError(exchange: Exchange, error: SimErrorResponse): void {
		const config = this.#config;
		const extra: Headers = {};
		if (error.retryAfterMs !== undefined && config.retryAfter) {
			extra['retry-after-ms'] = Math.ceil(error.retryAfterMs);
			extra['retry-after'] = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
		}
		if (error.shouldRetry !== undefined && config.shouldRetryHeader) extra['x-should-retry'] = String(error.shouldRetry);
		// A CDN's HTML page carries none of the API's headers.
		const headers = error.contentType === 'application/json' ? {...(config.rateLimitHeaders ? this.#limiter.headers(Date.now()) : {}), ...extra} : {};
		exchange.sendError(error, headers);
	}
}
