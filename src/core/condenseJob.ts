/**
 * `--on-long summarize`, the calls: a job whose input is over `--max-input-tokens` is
 * condensed before its request goes out, one call per chunk, round after round, each
 * through ./attempt.ts like any request (limiter permit, budget, the job's cancel). A
 * call that fails goes back to the engine, which retries it by the same policy; the chain
 * goes on from where it was, so a condensed text is made once. ./condense.ts plans.
 */
import {createHash} from 'node:crypto';
import {reserveWorst, runAttempt, worstCaseOf, type AttemptCall, type AttemptDeps, type AttemptOutcome, type Gate} from './attempt.js';
import type {ModelRequest} from './client.js';
import {CONDENSE_INSTRUCTIONS, MAX_ROUNDS, PIECE_SEPARATOR, planCondensing, roomFor, roundOf, splitForCondensing, type CondenseRoom, type CondenseSplit, type PlannedCall} from './condense.js';
import {inputText} from './inputItems.js';
import type {Budget} from './budget.js';
import type {JobLife, JobLifeOptions} from './jobLife.js';
import type {JobRuntime} from './jobRuntime.js';
import type {ErrorInfo, JobSpec} from './types.js';

/** How a run condenses what is over its limit. */
export interface CondenseOptions {
	/** Inputs over this many tokens are condensed, and each condensing call's input fits it too. */
	readonly maxInputTokens: number;
	/** The model that condenses. @default the job's model */
	readonly model?: string;
}

/** A job's chain as far as it went: kept across retries, so nothing is condensed twice. */
export interface CondenseState {
	readonly split: CondenseSplit;
	room: CondenseRoom | null;
	/** The worst case of every call, planned before the first. */
	planned: PlannedCall[];
	round: number;
	chunks: readonly string[];
	caps: readonly number[];
	pieces: string[];
	/** Calls answered. */
	done: number;
}

export interface CondenseDeps {
	readonly attempt: AttemptDeps;
	readonly options: CondenseOptions;
	/** The engine's input estimate, the one its limit is checked against. */
	readonly count: (spec: JobSpec, model: string) => number;
	readonly life: JobLife;
	/** The engine's books of a call sent and answered (requests in flight, the limiter, the breaker). */
	readonly sent: (job: JobRuntime) => void;
	readonly answered: (job: JobRuntime, outcome: Extract<AttemptOutcome, {type: 'answered'}>) => void;
}

export type CondenseOutcome = AttemptOutcome | {readonly type: 'ready'; readonly controller: AbortController};

/** The chain a job needs, or null when its input fits (or was condensed by an earlier run). */
export function condenseStateFor(job: JobRuntime, options: CondenseOptions): CondenseState | string | null {
	if (job.condensedInput != null || job.estimateIn <= options.maxInputTokens) return null;
	const split = splitForCondensing(job.spec);
	return typeof split === 'string' ? split : {split, room: null, planned: [], round: 0, chunks: [], caps: [], pieces: [], done: 0};
}

/** The context_length failure of an input that cannot be brought under the limit. */
export function cannotCondense(estimate: number, max: number, reason: string): ErrorInfo {
	return {
		kind: 'context_length',
		status: null,
		code: 'max_input_tokens',
		message: `not sent: the input is ${estimate} tokens, over the input limit of ${max}, and cannot be condensed to fit: ${reason}`,
		retryable: false,
		retryAfterMs: null,
	};
}

function summaryModel(job: JobRuntime, deps: CondenseDeps): string {
	return deps.options.model ?? job.model;
}

function callFor(job: JobRuntime, deps: CondenseDeps, state: CondenseState, chunk: string, cap: number): AttemptCall {
	const model = summaryModel(job, deps);
	const instructions = CONDENSE_INSTRUCTIONS[state.split.kind];
	const request: ModelRequest = {model, input: chunk, instructions, maxOutputTokens: cap, ...(job.request.api ? {api: job.request.api} : {})};
	const spec: JobSpec = {id: job.spec.id, line: job.spec.line, input: chunk, text: chunk, instructions, ...(job.spec.api ? {api: job.spec.api} : {})};
	return {request, estimateIn: deps.count(spec, model), model};
}

function estimateOf(job: JobRuntime, deps: CondenseDeps, input: string | readonly unknown[]): number {
	const {instructions} = job.request;
	return deps.count({...job.spec, input, text: inputText(input), ...(instructions != null ? {instructions} : {})}, job.model);
}

function roomOf(job: JobRuntime, deps: CondenseDeps, state: CondenseState): CondenseRoom {
	const final = (input: string | readonly unknown[]) => estimateOf(job, deps, input);
	return roomFor(state.split, deps.options.maxInputTokens, final, chunk => callFor(job, deps, state, chunk, 16).estimateIn, summaryModel(job, deps));
}

/** Budget for what is left of the chain and the request after it, held before the next call. */
function chainWorstCase(job: JobRuntime, deps: CondenseDeps, state: CondenseState) {
	const overhead = callFor(job, deps, state, '', 16).estimateIn;
	const model = summaryModel(job, deps);
	const parts = state.planned.slice(state.done).map(({chunkTokens, cap}) => worstCaseOf({request: {model, input: '', maxOutputTokens: cap}, estimateIn: overhead + chunkTokens, model}, deps.attempt.costOf));
	parts.push(worstCaseOf({request: job.request, estimateIn: deps.options.maxInputTokens, model: job.model}, deps.attempt.costOf));
	const sum = (pick: (part: (typeof parts)[number]) => number | null) => parts.reduce<number | null>((total, part) => (total == null || pick(part) == null ? null : total + pick(part)!), 0);
	return {tokens: sum(part => part.tokens)!, usd: sum(part => part.usd), shownUsd: sum(part => part.shownUsd)};
}

/**
 * Run what is left of the job's chain: null when its input needs none, `ready` when its
 * request now carries the condensed input (the controller is the chain's, for the request
 * that follows); else the outcome of the call that did not answer, for the engine.
 */
export async function condenseJob(job: JobRuntime, deps: CondenseDeps, gate: Gate): Promise<CondenseOutcome | null> {
	const max = deps.options.maxInputTokens;
	const fail = (reason: string): AttemptOutcome => ({type: 'not-sent', status: 'failed', error: cannotCondense(job.estimateIn, max, reason)});
	const found = job.condense ?? condenseStateFor(job, deps.options);
	if (found == null) return null;
	if (typeof found === 'string') return fail(found);
	const state = (job.condense = found);
	if (!state.room) {
		state.room = roomOf(job, deps, state);
		const plan = planCondensing(state.split.long, state.room);
		if (!plan.ok) return fail(plan.reason);
		state.planned = [...plan.calls];
		state.chunks = plan.first.chunks;
		state.caps = plan.first.caps;
	}
	if (deps.attempt.budget.active && !job.chain) {
		const held = await reserveWorst(deps.attempt, gate, chainWorstCase(job, deps, state), 'condensing it and its worst case');
		if (!('tokens' in held)) return held;
		job.chain = held;
	}
	const controller = new AbortController();
	for (;;) {
		const next = state.pieces.length;
		if (next < state.chunks.length) {
			const of = Math.max(state.planned.length, state.done + state.chunks.length - next);
			job.calling = `condense ${state.done + 1}/${of}`;
			const call = callFor(job, deps, state, state.chunks[next]!, state.caps[next]!);
			const outcome = await runAttempt(
				job,
				deps.attempt,
				gate,
				{
					sending: startedAt => {
						deps.sent(job);
						deps.life.condensingSent(job, startedAt, state.done + 1, of);
					},
					// The pieces are pacer's, not the reply: nothing streams to the job's output.
					delta: () => {},
				},
				{call, controller},
			);
			if (outcome.type !== 'answered') return outcome;
			deps.answered(job, outcome);
			state.done++;
			deps.life.condensedCall(job, outcome, outcome.cost, state.done, of);
			state.pieces.push(outcome.result.text.trim());
			continue;
		}
		job.calling = null;
		const joined = state.pieces.join(PIECE_SEPARATOR);
		const input = state.split.rebuild(joined);
		const estimate = estimateOf(job, deps, input);
		if (estimate <= max) {
			job.request = {...job.request, input};
			job.estimateIn = estimate;
			job.condensedInput = input;
			job.condense = null;
			deps.life.summarized(job);
			return {type: 'ready', controller};
		}
		if (state.round + 1 >= MAX_ROUNDS) return fail(`still ${estimate} tokens after ${MAX_ROUNDS} rounds of condensing`);
		const round = roundOf(joined, state.room);
		state.round++;
		state.chunks = round.chunks;
		state.caps = round.caps;
		state.pieces = [];
	}
}

/** What ties a condensed input to the input, limit and model it was made from (a record's `condensed_from`). */
export function condensedFrom(input: string | readonly unknown[], maxInputTokens: number, model: string): string {
	return createHash('sha256').update(JSON.stringify([input, maxInputTokens, model])).digest('hex').slice(0, 16);
}

/** A condensed input an earlier run made (`--resume`) goes out as it is. */
export function carryCondensed(job: JobRuntime, count: (spec: JobSpec, model: string) => number): void {
	const carried = job.spec.condensed;
	if (!carried) return;
	const {instructions} = job.request;
	job.request = {...job.request, input: carried.input};
	job.estimateIn = count({...job.spec, input: carried.input, text: inputText(carried.input), ...(instructions != null ? {instructions} : {})}, job.model);
	job.condensedInput = carried.input;
	job.summaryUsage = carried.usage;
}

/** What a job's books need of condensing: its chain's budget back when it ends, and its records' `condensed_from`. */
export function condenseBooks(budget: Budget, options: CondenseOptions | undefined): Pick<JobLifeOptions, 'ended' | 'condensedFrom'> {
	return {
		ended: job => {
			if (job.chain) budget.settle(job.chain, 0, 0);
			job.chain = null;
		},
		...(options ? {condensedFrom: (job: JobRuntime) => condensedFrom(job.spec.input, options.maxInputTokens, options.model ?? job.model)} : {}),
	};
}
