/**
 * `POST /v1/chat/completions`: chat validation, then the attempt gate the Responses route
 * uses (one key space, one limit budget, the same seeded plan), then the plan played out
 * as a `chat.completion` or a chunk stream.
 */
import type {Attempt, AttemptGate} from './attempt.js';
import {buildChatStreamScript, chatCompletion, chatIdentity, chatUsageOf, finishReasonOf} from './chatResponse.js';
import {type ChatRequest, parseChatRequest} from './chatValidate.js';
import * as errors from './errors.js';
import type {Exchange} from './exchange.js';
import {playJson, playStream} from './playback.js';
import {generate} from './response.js';
import type {StatsRecorder} from './stats.js';
import {countChatInputTokens} from './text.js';

/** The stats' words for how a reply ended. */
const BILLED_STATUS = {stop: 'completed', length: 'incomplete'} as const;

export class ChatRoute {
	readonly #gate: AttemptGate;
	readonly #stats: StatsRecorder;

	constructor(gate: AttemptGate, stats: StatsRecorder) {
		this.#gate = gate;
		this.#stats = stats;
	}

	handle(exchange: Exchange, rawBody: string): void {
		const parsed = parseChatRequest(rawBody);
		if (!parsed.ok) {
			this.#gate.sendError(exchange, parsed.error);
			return;
		}
		const request = parsed.request;
		exchange.notes.push(`model=${request.model}`, 'chat', request.stream ? 'stream' : 'json');
		const attempt = this.#gate.begin(exchange, {
			model: request.model,
			key: request.key,
			countInputTokens: () => countChatInputTokens(request.messages, request.gpt5),
			maxOutputTokens: request.maxOutputTokens,
			reasoning: request.reasoning,
		});
		if (!attempt) return;
		if (request.stream) this.#stream(exchange, request, attempt);
		else this.#json(exchange, request, attempt);
	}

	#json(exchange: Exchange, request: ChatRequest, attempt: Attempt): void {
		const generation = generate(attempt.plan, request.maxOutputTokens);
		const finishReason = finishReasonOf(generation);
		const {inputTokens} = attempt;
		playJson(exchange, attempt, generation, {
			body: () => {
				const usage = chatUsageOf(inputTokens, generation.outputTokens, generation.reasoningTokens);
				return JSON.stringify(chatCompletion(chatIdentity(request), generation.pieces.join(''), finishReason, usage), null, 2);
			},
			onBilled: () => this.#stats.billed(inputTokens, generation.outputTokens, BILLED_STATUS[finishReason]),
			serverError: () => this.#gate.sendError(exchange, errors.serverError()),
		});
	}

	#stream(exchange: Exchange, request: ChatRequest, attempt: Attempt): void {
		const {plan, inputTokens} = attempt;
		const generation = generate(plan, request.maxOutputTokens);
		const fault = plan.fault === 'stall' || plan.fault === 'cut' || plan.fault === 'streamError' ? {kind: plan.fault, at: plan.faultAt} : null;
		const script = buildChatStreamScript({
			request,
			identity: chatIdentity(request),
			generation,
			inputTokens,
			perTokenMs: plan.perTokenMs,
			fault,
			textSeed: plan.textSeed,
		});
		playStream(exchange, attempt, script, () => {
			// A stream error reports no usage, so nothing is billed in the stats.
			if (script.finishReason) this.#stats.billed(inputTokens, generation.outputTokens, BILLED_STATUS[script.finishReason]);
		});
	}
}
