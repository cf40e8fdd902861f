/**
 * `POST /v1/responses`: validation, then the shared attempt gate (key, limits, seeded
 * plan, early faults), then the plan played out as JSON or SSE.
 */
import type {Attempt, AttemptGate} from './attempt.js';
import * as errors from './errors.js';
import type {Exchange} from './exchange.js';
import {playJson, playStream} from './playback.js';
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

	#json(exchange: Exchange, request: SimRequest, attempt: Attempt): void {
		const generation = generate(attempt.plan, request.maxOutputTokens);
		const status = generation.capped ? 'incomplete' : 'completed';
		const {inputTokens} = attempt;
		playJson(exchange, attempt, generation, {
			body: () => {
				const ids = newResponseIds(request);
				const usage = usageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
				const withMessage = generation.pieces.length > 0 || !generation.capped;
				const output = outputItems(ids, generation.pieces.join(''), status, withMessage);
				return JSON.stringify(responseObject(request, ids, {status, output, usage}), null, 2);
			},
			onBilled: () => this.#stats.billed(inputTokens, generation.outputTokens, status),
			serverError: () => this.#gate.sendError(exchange, errors.serverError()),
		});
	}

	#stream(exchange: Exchange, request: SimRequest, attempt: Attempt): void {
		const {plan, inputTokens} = attempt;
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
		playStream(exchange, attempt, script, () => {
			if (script.usage && script.terminal) this.#stats.billed(script.usage.input_tokens, script.usage.output_tokens, script.terminal);
		});
	}
}
