/**
 * A job as the engine keeps it while the run lasts: its spec, the request built from it,
 * and the facts of its attempts that its record needs. Records are made from these, never
 * read back from a sink.
 */
import type {ModelRequest} from './client.js';
import {DEFAULTS} from './defaults.js';
import type {ApiName, AttemptInfo, ErrorInfo, JobSpec, JobStatus} from './types.js';

export interface JobRuntime {
	readonly spec: JobSpec;
	readonly model: string;
	readonly request: ModelRequest;
	/** Input tokens as the API will count them (an estimate). */
	readonly estimateIn: number;
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
	};
}
