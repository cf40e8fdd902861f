/**
 * `POST /v1/responses`: validation, then the shared attempt gate (key, limits, seeded
 * plan, early faults), then the plan played out as JSON or SSE.
 */
import type {Attempt, AttemptGate} from './attempt.js';
import * as errors from './errors.js';
import type {Exchange} from './exchange.js';
import {playSteps, streamHeaders} from './playback.js';
import {generate, newResponseIds, outputItems, responseObject, usageOf} from './response.js';
import {buildStreamScript} from './sse.js';
import type {StatsRecorder} from './stats.js';
import {countInputTokens} from './text.js';
import {parseRequest, type SimRequest} from './validate.js';

export class ResponsesRoute {
	readonly #gate: AttemptGate;
	readonly #stats: StatsRecorder;

	constructor(gate: AttemptGate, stats: StatsRecorder) {
		this.#gate = gate;
		this.#stats = stats;
	}

	handle(exchange: Exchange, rawBody: string): void {
		const parsed = parseRequest(rawBody);
		if (!parsed.ok) {
			this.#gate.sendError(exchange, parsed.error);
			return;
		}
		const request = parsed.request;
		exchange.notes.push(`model=${request.model}`, request.stream ? 'stream' : 'json');
		const attempt = this.#gate.begin(exchange, {
			model: request.model,
			key: `${request.model}\u0000${request.instructions ?? ''}\u0000${request.inputText}`,
			countInputTokens: () => countInputTokens(request.input, request.instructions, request.gpt5),
			maxOutputTokens: request.maxOutputTokens,
			reasoning: request.reasoning,
		});
		if (!attempt) return;
		if (request.stream) this.#stream(exchange, request, attempt);
		else this.#json(exchange, request, attempt);
	}

	#json(exchange: Exchange, request: SimRequest, {plan, inputTokens, chargeActual, headers}: Attempt): void {
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
				this.#gate.sendError(exchange, errors.serverError());
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
				exchange.sendCutBody(body, plan.faultAt, headers());
				return;
			}
			this.#stats.billed(inputTokens, generation.outputTokens, status);
			exchange.sendBody(200, 'application/json', body, headers());
		});
	}

	#stream(exchange: Exchange, request: SimRequest, {plan, inputTokens, chargeActual, headers}: Attempt): void {
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
			exchange.writeHead(200, {...headers(), ...streamHeaders()});
			playSteps(exchange, script.steps, script.ending, () => {
				if (script.ending === 'stall') return;
				exchange.settle();
				chargeActual(inputTokens + script.producedTokens);
				if (script.usage && script.terminal) this.#stats.billed(script.usage.input_tokens, script.usage.output_tokens, script.terminal);
			});
		});
	}
}
