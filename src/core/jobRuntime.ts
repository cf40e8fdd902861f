/**
 * A job as the engine keeps it while the run lasts: its spec, the request built from it,
 * and the facts of its attempts that its record needs. Records are made from these, never
 * read back from a sink.
 */
import type {Reservation} from './budget.js';
import type {ModelRequest} from './client.js';
import {carryCondensed, type CondenseState} from './condenseJob.js';
import {DEFAULTS} from './defaults.js';
import type {ApiName, AttemptInfo, ErrorInfo, JobSpec, JobStatus, SummaryUsage} from './types.js';

export interface JobRuntime {
	readonly spec: JobSpec;
	readonly model: string;
	/** What is sent: the spec's request, its input replaced once condensed. */
	request: ModelRequest;
	/** Input tokens as the API will count them (an estimate), of `request`. */
	estimateIn: number;
	status: JobStatus;
	/** Attempts since the job was last (re)queued: bounds retries. */
	attemptsThisRound: number;
	attemptsTotal: number;
	waitedMs: number;
	controller: AbortController | null;
	history: AttemptInfo[];
	firstStartedAt: number | null;
	lastError: ErrorInfo | null;
	/** How long the last attempt took, answered or not. */
	latencyMs: number | null;
	requestId: string | null;
	/** Output tokens counted live from the stream of the attempt under way. */
	streamedTokens: number;
	/** Has an entry waiting in the queue. */
	inQueue: boolean;
	/** The API its last attempt went to (the one that answered, or was tried last). */
	api: ApiName | null;
	/** The condensing chain while its input is being condensed (`--on-long summarize`); null otherwise. */
	condense: CondenseState | null;
	/** Budget held for the whole chain, from before its first call to the request's first attempt. */
	chain: Reservation | null;
	/** The condensed input, once made (or carried over by `--resume`). */
	condensedInput: string | readonly unknown[] | null;
	/** What the condensing calls were billed. */
	summaryUsage: SummaryUsage | null;
	/** The condensing call under way (`condense 2/5`), for its attempt's history. */
	calling: string | null;
}

/** What a job's request takes from the run when its spec says nothing. */
export interface RequestDefaults {
	/** @default 'gpt-5.4-mini' */
	readonly model?: string;
	/** @default 256 */
	readonly maxOutputTokens?: number;
	readonly instructions?: string;
}

/** The request a spec asks for, the run's defaults filling what it leaves out. */
export function requestFor(spec: JobSpec, defaults: RequestDefaults): ModelRequest {
	const instructions = spec.instructions ?? defaults.instructions;
	return {
		model: spec.model ?? defaults.model ?? DEFAULTS.model,
		input: spec.input,
		...(instructions != null ? {instructions} : {}),
		maxOutputTokens: spec.maxOutputTokens ?? defaults.maxOutputTokens ?? DEFAULTS.maxOutputTokens,
		...(spec.metadata ? {metadata: spec.metadata} : {}),
		...(spec.extraBody ? {extraBody: spec.extraBody} : {}),
		...(spec.api ? {api: spec.api} : {}),
	};
}

export function newJobRuntime(spec: JobSpec, request: ModelRequest, estimateIn: number): JobRuntime {
	return {
		spec,
		model: request.model,
		request,
		estimateIn,
		status: 'queued',
		attemptsThisRound: 0,
		attemptsTotal: 0,
		waitedMs: 0,
		controller: null,
		history: [],
		firstStartedAt: null,
		lastError: null,
		latencyMs: null,
		requestId: null,
		streamedTokens: 0,
		inQueue: false,
		api: null,
		condense: null,
		chain: null,
		condensedInput: null,
		summaryUsage: null,
		calling: null,
	};
}

/** The engine's default estimates: about 4 characters a token. */
export const defaultDeltaTokens = (text: string) => Math.max(1, Math.round(text.length / 4));
export const defaultInputTokens = (spec: JobSpec) => Math.ceil(spec.text.length / 4) + 8;

/** One job's runtime: its request, its input tokens counted (of a condensed input carried over, when there is one). */
export function jobRuntime(spec: JobSpec, defaults: RequestDefaults, count: (spec: JobSpec, model: string) => number): JobRuntime {
	const request = requestFor(spec, defaults);
	const job = newJobRuntime(spec, request, count({...spec, instructions: request.instructions}, request.model));
	carryCondensed(job, count);
	return job;
}

/** The run's jobs, in order; a duplicate id is a bug of the caller (input parsing refuses them). */
export function jobRuntimes(specs: readonly JobSpec[], defaults: RequestDefaults, count: (spec: JobSpec, model: string) => number): JobRuntime[] {
	const seen = new Set<string>();
	return specs.map(spec => {
		if (seen.has(spec.id)) throw new Error(`duplicate job id ${JSON.stringify(spec.id)}`);
		seen.add(spec.id);
		return jobRuntime(spec, defaults, count);
	});
}
