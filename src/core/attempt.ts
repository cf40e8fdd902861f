/**
 * One attempt of one job: a budget reservation for its worst case, a limiter permit, the
 * client call. Whatever it took is given back in one `finally`: the permit settles for
 * the tokens really used (nothing when no answer came), the reservation for the real cost.
 * It decides nothing about what follows: the engine gets an outcome and acts on it.
 */
import type {Budget, Reservation} from './budget.js';
import type {AttemptResult, ModelClient} from './client.js';
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
	/** Not sent: the budget cannot take it, or its wait for a permit was cancelled. */
	| {readonly type: 'not-sent'; readonly status: 'skipped' | 'cancelled'; readonly error: ErrorInfo}
	| {readonly type: 'answered'; readonly result: AttemptResult; readonly startedAt: number; readonly endedAt: number; readonly cost: number | null}
	| {readonly type: 'failed'; readonly error: ErrorInfo; readonly startedAt: number; readonly endedAt: number};

export interface AttemptHooks {
	/** The request is about to leave. */
	sending(startedAt: number): void;
	delta(text: string): void;
}

/** The most a job could cost: input estimates get a margin, so real usage cannot pass it. */
export function worstCaseOf(job: JobRuntime, costOf: AttemptDeps['costOf']): {tokens: number; usd: number | null; shownUsd: number | null} {
	const maxOut = job.request.maxOutputTokens ?? 0;
	const estimate = job.estimateIn + maxOut;
	const shownUsd = costOf({input_tokens: job.estimateIn, output_tokens: maxOut, total_tokens: estimate}, job.model);
	const tokens = Math.ceil(job.estimateIn * 1.1) + 16 + maxOut;
	return {tokens, usd: shownUsd == null ? null : shownUsd * (tokens / Math.max(1, estimate)), shownUsd};
}

export async function runAttempt(job: JobRuntime, deps: AttemptDeps, gate: Gate, hooks: AttemptHooks): Promise<AttemptOutcome> {
	const controller = new AbortController();
	job.controller = controller;
	const estimate = job.estimateIn + (job.request.maxOutputTokens ?? 0);
	let reservation: Reservation | null = null;
	let permit: Permit | null = null;
	// What the permit and the reservation settle for: nothing unless an answer came.
	let used = {tokens: 0, usd: 0};
	let permitTokens = 0;
	try {
		if (deps.budget.active) {
			const worst = worstCaseOf(job, deps.costOf);
			reservation = deps.budget.tryReserve(worst.tokens, worst.usd);
			// Reservations in flight usually settle for less: wait for them before giving up.
			while (!reservation && deps.budget.couldFitLater(worst.tokens, worst.usd)) {
				await deps.budget.nextSettle();
				if (gate(false) !== 'go') break;
				reservation = deps.budget.tryReserve(worst.tokens, worst.usd);
			}
			const verdict = gate(false);
			if (verdict !== 'go') return {type: verdict};
			if (!reservation) {
				const usd = worst.shownUsd != null ? `, ${formatUsd(worst.shownUsd)}` : '';
				return {type: 'not-sent', status: 'skipped', error: pacerError('budget', `not sent: its worst case (${worst.tokens} tokens${usd}) would pass the budget`)};
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
			result = await deps.client.attempt(job.request, {
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
		const cost = usage ? deps.costOf(usage, job.model) : null;
		permitTokens = usage ? usage.total_tokens : estimate;
		if (reservation) used = {tokens: usage ? usage.total_tokens : reservation.tokens, usd: cost ?? reservation.usd};
		return {type: 'answered', result, startedAt, endedAt: deps.clock.now(), cost};
	} finally {
		permit?.settle(permitTokens);
		if (reservation) deps.budget.settle(reservation, used.tokens, used.usd);
	}
}
