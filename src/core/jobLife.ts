/**
 * The books of every job's life: each status change, token count and ending goes through
 * here to the run's ledger, to its sink, and at the end to the results writer and the
 * events. What happens next is decided elsewhere (the engine and ./retryPolicy.ts); this
 * file only keeps the facts straight, so a record and the summary never depend on a sink.
 */
import type {AttemptResult} from './client.js';
import {DeltaBatcher} from './deltaBatcher.js';
import type {EngineEvent} from './engineEvents.js';
import type {JobRuntime} from './jobRuntime.js';
import {RunLedger} from './ledger.js';
import {recordOf, type Answer} from './resultRecord.js';
import type {ResultsWriter} from './resultsWriter.js';
import {queuedSnapshot, type JobChange, type JobSnapshot, type RunSink, type RunTotals} from './runSink.js';
import type {ApiName, Clock, ErrorInfo, FinalStatus, JobStatus} from './types.js';

export interface JobLifeOptions {
	readonly sink: RunSink;
	readonly clock: Clock;
	readonly writer?: ResultsWriter;
	readonly onEvent?: (event: EngineEvent) => void;
	/** Tell the sink each reply's text. @default true */
	readonly retainOutput?: boolean;
	readonly countDeltaTokens: (text: string) => number;
	/** Every job has ended. */
	readonly onAllDone: () => void;
	/** The API a job that reached none would have used, for its record. @default its request's, else 'responses' */
	readonly apiFor?: (job: JobRuntime) => ApiName;
	/** A job ended: what it still holds (a chain's budget) goes back. */
	readonly ended?: (job: JobRuntime) => void;
	/** `condensed_from` of a record that carries a condensed input. */
	readonly condensedFrom?: (job: JobRuntime) => string;
	/** A job's record is written: the engine may let go of it. */
	readonly recorded?: (job: JobRuntime) => void;
}

function snapshotOf(job: JobRuntime): JobSnapshot {
	const {id, line, text, inputTruncated} = job.spec;
	return queuedSnapshot({id, line, text, model: job.model, tokensIn: job.estimateIn, inputTruncated, inputSummarized: job.condensedInput != null});
}

export class JobLife {
	readonly ledger = new RunLedger();
	readonly #options: JobLifeOptions;
	readonly #deltas: DeltaBatcher<JobRuntime>;
	#unfinished = 0;

	/** `total`: every job of the run, those not yet read from their stream too (they count as queued). */
	constructor(total: number, options: JobLifeOptions) {
		this.#options = options;
		this.#unfinished = total;
		this.ledger.added(total);
		const retain = options.retainOutput !== false;
		this.#deltas = new DeltaBatcher<JobRuntime>({
			clock: options.clock,
			countTokens: options.countDeltaTokens,
			onFlush: (job, text, tokens) => {
				job.streamedTokens += tokens;
				options.sink.outputAppended(job.spec.id, retain ? text : '', tokens);
				this.ledger.add({tokensOut: tokens});
			},
			onFlushed: () => options.sink.totalsChanged(this.ledger.totals),
		});
	}

	/** Jobs the sink has not heard of yet (all at the start, or a few as they are read). */
	added(jobs: readonly JobRuntime[]): void {
		this.#options.sink.jobsAdded(jobs.map(snapshotOf));
	}

	/** Jobs not yet ended. */
	get unfinished(): number {
		return this.#unfinished;
	}

	addTotals(delta: Partial<RunTotals>): void {
		this.#options.sink.totalsChanged(this.ledger.add(delta));
	}

	setStatus(job: JobRuntime, status: JobStatus, change: JobChange = {}): void {
		this.ledger.moved(job.status, status);
		job.status = status;
		this.#options.sink.jobChanged(job.spec.id, {...change, status});
	}

	/** A failed, cancelled or skipped job goes back to the queue. */
	reopened(job: JobRuntime): void {
		job.attemptsThisRound = 0;
		job.waitedMs = 0;
		this.setStatus(job, 'queued', {error: null, retryAt: null, finishedAt: null});
		this.#unfinished++;
	}

	/** Its request is about to leave. */
	sending(job: JobRuntime, startedAt: number): void {
		job.attemptsThisRound++;
		job.attemptsTotal++;
		job.firstStartedAt ??= startedAt;
		job.streamedTokens = 0;
		this.addTotals({attempts: 1});
		this.setStatus(job, 'running', {attempts: job.attemptsTotal, retryAt: null, startedAt, output: '', tokensOut: 0, error: null});
	}

	/** A condensing call is about to leave: call `call` of about `of` (the worst-case plan). */
	condensingSent(job: JobRuntime, startedAt: number, call: number, of: number): void {
		job.attemptsThisRound++;
		job.attemptsTotal++;
		job.firstStartedAt ??= startedAt;
		this.addTotals({attempts: 1});
		this.setStatus(job, 'running', {attempts: job.attemptsTotal, retryAt: null, startedAt, condensing: {call, of}, error: null});
	}

	/** A condensing call answered: its tokens and cost go to the run's totals and the job's summary usage. */
	condensedCall(job: JobRuntime, answer: Answer, cost: number | null, call: number, of: number): void {
		if (job.api) this.ledger.usedApi(job.api);
		const usage = answer.result.usage;
		const tokensIn = usage?.input_tokens ?? 0;
		const tokensOut = usage?.output_tokens ?? 0;
		this.addTotals({
			tokensIn,
			tokensOut,
			cachedTokens: usage?.cached_tokens ?? 0,
			reasoningTokens: usage?.reasoning_tokens ?? 0,
			summaryCalls: 1,
			summaryTokensIn: tokensIn,
			summaryTokensOut: tokensOut,
			...(cost != null ? {costUsd: cost, summaryCostUsd: cost} : usage ? {unpricedJobs: 1} : {}),
		});
		const before = job.summaryUsage ?? {input_tokens: 0, output_tokens: 0, total_tokens: 0, calls: 0};
		job.summaryUsage = {
			input_tokens: before.input_tokens + tokensIn,
			output_tokens: before.output_tokens + tokensOut,
			total_tokens: before.total_tokens + (usage?.total_tokens ?? 0),
			calls: before.calls + 1,
		};
		// Each condensing call has its own retries.
		job.attemptsThisRound = 0;
		job.history.push({n: job.attemptsTotal, startedAt: answer.startedAt, endedAt: answer.endedAt, outcome: answer.result.truncated ? 'truncated' : 'succeeded', error: null, waitMs: null, call: job.calling ?? 'condense', usage});
		this.#options.sink.jobChanged(job.spec.id, {history: [...job.history]});
		this.#options.onEvent?.({type: 'condensed', id: job.spec.id, call, of, usage, latencyMs: answer.endedAt - answer.startedAt, at: answer.endedAt});
	}

	/** The condensed input is made: the request goes out with it. */
	summarized(job: JobRuntime): void {
		this.addTotals({summarized: 1});
		this.#options.sink.jobChanged(job.spec.id, {condensing: null, inputSummarized: true, tokensIn: job.estimateIn});
	}

	delta(job: JobRuntime, text: string): void {
		this.#deltas.add(job, text);
	}

	/** What streamed of an attempt that just ended, now rather than at the next flush. */
	flush(job: JobRuntime): void {
		this.#deltas.flush(job);
	}

	flushAll(): void {
		this.#deltas.flushAll();
	}

	answered(job: JobRuntime, answer: Answer, cost: number | null): void {
		if (job.api) this.ledger.usedApi(job.api);
		const result: AttemptResult = answer.result;
		const usage = result.usage;
		// The API's usage replaces the live estimate.
		const tokensOut = usage?.output_tokens ?? job.streamedTokens;
		this.addTotals({
			tokensOut: tokensOut - job.streamedTokens,
			tokensIn: usage?.input_tokens ?? 0,
			cachedTokens: usage?.cached_tokens ?? 0,
			reasoningTokens: usage?.reasoning_tokens ?? 0,
			truncated: result.truncated ? 1 : 0,
			...(cost != null ? {costUsd: cost} : usage ? {unpricedJobs: 1} : {}),
		});
		job.latencyMs = answer.endedAt - answer.startedAt;
		job.requestId = result.requestId;
		job.history.push({n: job.attemptsTotal, startedAt: answer.startedAt, endedAt: answer.endedAt, outcome: result.truncated ? 'truncated' : 'succeeded', error: null, waitMs: null});
		this.finish(job, 'succeeded', null, answer, {
			output: this.#options.retainOutput === false ? '' : result.text,
			tokensOut,
			tokensIn: usage?.input_tokens ?? job.estimateIn,
			usage,
			truncated: result.truncated,
			requestId: result.requestId,
			latencyMs: job.latencyMs,
			costUsd: cost,
			history: [...job.history],
		});
	}

	/** An attempt failed; `waitMs` is the retry scheduled after it, if any. */
	attemptFailed(job: JobRuntime, error: ErrorInfo, times: {startedAt: number; endedAt: number}, waitMs: number | null): void {
		if (job.api) this.ledger.usedApi(job.api);
		// Streamed text of a failed attempt was not delivered: take its live count back.
		if (job.streamedTokens) this.addTotals({tokensOut: -job.streamedTokens});
		job.streamedTokens = 0;
		job.lastError = error;
		job.latencyMs = times.endedAt - times.startedAt;
		job.requestId = error.requestId ?? null;
		if (error.kind === 'rate_limit') this.addTotals({rateLimited: 1});
		const outcome = error.kind === 'cancelled' ? 'cancelled' : 'failed';
		job.history.push({n: job.attemptsTotal, ...times, outcome, error, waitMs, ...(job.calling ? {call: job.calling} : {})});
		this.#options.sink.jobChanged(job.spec.id, {latencyMs: job.latencyMs, requestId: job.requestId, history: [...job.history]});
	}

	/** A retry is scheduled: the job waits until `retryAt`. */
	waiting(job: JobRuntime, error: ErrorInfo, waitMs: number, now: number): void {
		job.waitedMs += waitMs;
		this.addTotals({retries: 1});
		this.setStatus(job, 'waiting', {retryAt: now + waitMs, error});
		this.#options.onEvent?.({type: 'retry', id: job.spec.id, attempt: job.attemptsTotal, error, waitMs, at: now});
	}

	/** A retry waits `waitMs`, then `requeue` runs unless the job was settled meanwhile (cancel() or stop() abort the wait). */
	retryLater(job: JobRuntime, error: ErrorInfo, waitMs: number, requeue: () => void): void {
		this.waiting(job, error, waitMs, this.#options.clock.now());
		const controller = new AbortController();
		job.controller = controller;
		this.#options.clock.sleep(waitMs, controller.signal).then(
			() => {
				if (job.status === 'waiting') requeue();
			},
			() => {},
		);
	}

	/** The job ends: its record goes to the writer and the events. A job ends once. */
	finish(job: JobRuntime, status: FinalStatus, error: ErrorInfo | null, answer: Answer | null = null, change: JobChange = {}): void {
		if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled' || job.status === 'skipped') return;
		const now = this.#options.clock.now();
		job.controller = null;
		// One sink update for the whole ending (a hot path at thousands of jobs a second).
		this.setStatus(job, status, {...change, error, retryAt: null, finishedAt: now, condensing: null});
		this.#options.ended?.(job);
		const record = recordOf(job, status, error, answer, now, this.#options.apiFor, this.#options.condensedFrom);
		this.#options.writer?.append(record);
		this.#options.onEvent?.({type: 'finished', record, at: now});
		this.#options.recorded?.(job);
		this.#unfinished--;
		if (this.#unfinished === 0) {
			this.flushAll();
			this.#options.onAllDone();
		}
	}
}
