/**
 * One attempt of one job: a budget reservation for its worst case, a limiter permit, the
 * client call. Whatever it took is given back in one `finally`: the permit settles for
 * the tokens really used (nothing when no answer came), the reservation for the real cost.
 * It decides nothing about what follows: the engine gets an outcome and acts on it.
 */
import type {Budget, Reservation} from './budget.js';
import type {AttemptResult, ModelClient, ModelRequest} from './client.js';
import {classifyError, pacerError} from './errors.js';
import {formatUsd} from './format.js';
import type {JobRuntime} from './jobRuntime.js';
import type {Limiter, Permit} from './limiter.js';
import type {Clock, ErrorInfo, Usage} from './types.js';

export interface AttemptDeps {
	readonly client: ModelClient;
	readonly limiter: Limiter;
	readonly budget: Budget;
	readonly clock: Clock;
	readonly timeoutMs: number;
	readonly idleTimeoutMs: number;
	readonly costOf: (usage: Usage, model: string) => number | null;
}

/**
 * Whether the job may still go, asked after every wait: `gone` (it ended meanwhile),
 * `stopped` (the run is stopping), `requeue` (paused, held, or over a lowered ceiling: only
 * asked once a permit is held), or `go`.
 */
export type Gate = (withPermit: boolean) => 'go' | 'gone' | 'stopped' | 'requeue';

export type AttemptOutcome =
	| {readonly type: 'gone' | 'stopped' | 'requeue'}
	/** Not sent: the budget cannot take it, its wait for a permit was cancelled, or its input cannot be condensed to fit. */
	| {readonly type: 'not-sent'; readonly status: 'skipped' | 'cancelled' | 'failed'; readonly error: ErrorInfo}
	| {readonly type: 'answered'; readonly result: AttemptResult; readonly startedAt: number; readonly endedAt: number; readonly cost: number | null}
	| {readonly type: 'failed'; readonly error: ErrorInfo; readonly startedAt: number; readonly endedAt: number};

export interface AttemptHooks {
	/** The request is about to leave. */
	sending(startedAt: number): void;
	delta(text: string): void;
}

/** One request of a job: its own, or one of the calls that condense its input. */
export interface AttemptCall {
	readonly request: ModelRequest;
	readonly estimateIn: number;
	readonly model: string;
}

/** The most a call could cost: input estimates get a margin, so real usage cannot pass it. */
export function worstCaseOf(call: AttemptCall, costOf: AttemptDeps['costOf']): {tokens: number; usd: number | null; shownUsd: number | null} {
	const maxOut = call.request.maxOutputTokens ?? 0;
	const estimate = call.estimateIn + maxOut;
	const shownUsd = costOf({input_tokens: call.estimateIn, output_tokens: maxOut, total_tokens: estimate}, call.model);
	const tokens = Math.ceil(call.estimateIn * 1.1) + 16 + maxOut;
	return {tokens, usd: shownUsd == null ? null : shownUsd * (tokens / Math.max(1, estimate)), shownUsd};
}

const budgetRefusal = (what: string, tokens: number, usd: number | null): AttemptOutcome => ({
	type: 'not-sent',
	status: 'skipped',
	error: pacerError('budget', `not sent: ${what} (${tokens} tokens${usd != null ? `, ${formatUsd(usd)}` : ''}) would pass the budget`),
});

/**
 * Reserve `worst` (what `what` names), waiting while reservations in flight may settle
 * for less; an outcome when it cannot be held or the job may not go on.
 */
export async function reserveWorst(deps: AttemptDeps, gate: Gate, worst: {tokens: number; usd: number | null; shownUsd: number | null}, what: string): Promise<Reservation | AttemptOutcome> {
	let reservation = deps.budget.tryReserve(worst.tokens, worst.usd);
	while (!reservation && deps.budget.couldFitLater(worst.tokens, worst.usd)) {
		await deps.budget.nextSettle();
		if (gate(false) !== 'go') break;
		reservation = deps.budget.tryReserve(worst.tokens, worst.usd);
	}
	const verdict = gate(false);
	if (verdict !== 'go') {
		if (reservation) deps.budget.settle(reservation, 0, 0);
		return {type: verdict};
	}
	return reservation ?? budgetRefusal(what, worst.tokens, worst.shownUsd);
}

export interface AttemptRun {
	/** @default the job's own request */
	readonly call?: AttemptCall;
	/** A chain's calls share one, so a cancel between two of them still lands. @default a new one */
	readonly controller?: AbortController;
}

/**
 * A job that holds a chain reservation (it is condensing) spends each call from it, the
 * chain grown when a call needs more than is left; its own request's first attempt
 * releases what is left. Other attempts reserve their own worst case.
 */
export async function runAttempt(job: JobRuntime, deps: AttemptDeps, gate: Gate, hooks: AttemptHooks, run: AttemptRun = {}): Promise<AttemptOutcome> {
	const call = run.call ?? job;
	const controller = run.controller ?? new AbortController();
	job.controller = controller;
	const estimate = call.estimateIn + (call.request.maxOutputTokens ?? 0);
	const chain = job.chain;
	let reservation: Reservation | null = null;
	let permit: Permit | null = null;
	// What the permit and the reservation settle for: nothing unless an answer came.
	let used = {tokens: 0, usd: 0};
	let permitTokens = 0;
	try {
		if (deps.budget.active) {
			const worst = worstCaseOf(call, deps.costOf);
			if (chain) {
				const short = {tokens: Math.max(0, worst.tokens - chain.tokens), usd: worst.usd == null ? null : Math.max(0, worst.usd - chain.usd)};
				if ((short.tokens > 0 || (short.usd ?? 1) > 0) && !deps.budget.grow(chain, short.tokens, short.usd)) return budgetRefusal('this call\'s worst case, beyond what the chain holds,', short.tokens, short.usd);
			} else {
				const held = await reserveWorst(deps, gate, worst, 'its worst case');
				if (!('tokens' in held)) return held;
				reservation = held;
			}
		}

		try {
			permit = await deps.limiter.acquire(estimate, controller.signal);
		} catch (error) {
			return gate(false) === 'gone' ? {type: 'gone'} : {type: 'not-sent', status: 'cancelled', error: classifyError(error)};
		}
		const verdict = gate(true);
		if (verdict !== 'go') return {type: verdict};

		const startedAt = deps.clock.now();
		hooks.sending(startedAt);
		let result: AttemptResult;
		try {
			result = await deps.client.attempt(call.request, {
				signal: controller.signal,
				timeoutMs: deps.timeoutMs,
				idleTimeoutMs: deps.idleTimeoutMs,
				onHeaders: headers => deps.limiter.observeHeaders(headers),
				onDelta: hooks.delta,
				onApi: api => (job.api = api),
			});
		} catch (error) {
			return {type: 'failed', error: classifyError(error), startedAt, endedAt: deps.clock.now()};
		}
		const usage = result.usage;
		const cost = usage ? deps.costOf(usage, call.model) : null;
		permitTokens = usage ? usage.total_tokens : estimate;
		const worst = worstCaseOf(call, deps.costOf);
		used = {tokens: usage ? usage.total_tokens : worst.tokens, usd: cost ?? worst.usd ?? 0};
		return {type: 'answered', result, startedAt, endedAt: deps.clock.now(), cost};
	} finally {
		permit?.settle(permitTokens);
		if (reservation) deps.budget.settle(reservation, used.tokens, used.usd);
		if (chain && deps.budget.active) deps.budget.spendFrom(chain, used.tokens, used.usd);
		// The chain was for the condensing calls and the request's first attempt; a retry reserves its own.
		if (chain && call === job) {
			deps.budget.settle(chain, 0, 0);
			job.chain = null;
		}
	}
}
