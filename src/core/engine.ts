/**
 * The run: every job through the queue, paced by the limiter, retried by the policy of
 * DESIGN.md, its result written once it ends. The engine writes the store through its
 * actions and knows nothing of React.
 */
import PQueue from 'p-queue';
import {retryDelay, type BackoffOptions} from './backoff.js';
import {Budget, type BudgetLimits, type Reservation} from './budget.js';
import type {AttemptRequest, AttemptResult, ModelClient} from './client.js';
import {systemClock} from './clock.js';
import type {RunControls} from './controls.js';
import {CancelledError, classifyError, errorForRecord, stopsRun} from './errors.js';
import {AdaptiveConcurrency} from './concurrency.js';
import {RateLimiter, type Limiter} from './limiter.js';
import type {ResultsWriter} from './resultsWriter.js';
import {createRunStore, type JobView, type RunStore} from '../store/runStore.js';
import {
	isFinal,
	type AttemptInfo,
	type Clock,
	type ConcurrencyMode,
	type ErrorInfo,
	type ErrorKind,
	type FinalStatus,
	type JobSpec,
	type JobStatus,
	type ResultRecord,
	type Usage,
} from './types.js';

/** What the headless output and logs hear about. */
export type EngineEvent =
	| {type: 'retry'; id: string; attempt: number; error: ErrorInfo; waitMs: number; at: number}
	| {type: 'finished'; record: ResultRecord; at: number}
	| {type: 'stopping'; reason: string; at: number}
	| {type: 'unexpected'; id: string; error: ErrorInfo; at: number};

export interface EngineOptions {
	readonly client: ModelClient;
	/** Default model for jobs that name none. @default 'gpt-5.4-mini' */
	readonly model?: string;
	/** @default 256 */
	readonly maxOutputTokens?: number;
	/** Sent as the API's `instructions` for jobs that carry none. */
	readonly instructions?: string;
	/**
	 * Requests in flight (sent and not yet answered, retries included). A number N is a
	 * ceiling the engine never passes and never changes on its own. `'auto'` starts at 4 and
	 * adapts between 1 and `maxConcurrency`: towards rate × latency while pacing to a rate,
	 * growing while latency allows when no rate is known, backing off when latency shows
	 * saturation.
	 * @default 'auto'
	 */
	readonly concurrency?: number | 'auto';
	/** The most requests in flight `concurrency: 'auto'` may reach. @default 64 */
	readonly maxConcurrency?: number;
	/** Client-side caps; without them pacing is learned from headers. */
	readonly rpm?: number;
	readonly tpm?: number;
	/** Replaces the built-in limiter (e.g. a shared one). */
	readonly limiter?: Limiter;
	/** Retries after the first attempt. @default 4 */
	readonly maxRetries?: number;
	/** @default {baseMs: 1000, maxMs: 32000, jitter: 'equal'} */
	readonly backoff?: BackoffOptions;
	/** Most time one job may spend waiting across its retries; a longer server delay fails the job. @default 600000 */
	readonly maxRetryWaitMs?: number;
	/** Whole attempt. @default 60000 */
	readonly timeoutMs?: number;
	/** Quiet stream. @default 20000 */
	readonly idleTimeoutMs?: number;
	/** Connection failures in a row (no success between) after which the run stops. @default 25 */
	readonly maxConsecutiveConnectionFailures?: number;
	readonly budget?: BudgetLimits;
	/** A check before a job's first attempt; an ErrorInfo fails the job without sending it. */
	readonly precheck?: (spec: JobSpec, inputTokens: number) => ErrorInfo | null;
	/** Input tokens of a job as the API will count them (an estimate). @default chars / 4 */
	readonly countInputTokens?: (spec: JobSpec, model: string) => number;
	/** Tokens in a piece of streamed text, for the live count until usage replaces it. @default chars / 4 */
	readonly countDeltaTokens?: (text: string) => number;
	/** Cost in USD of a usage on a model; null when the price is unknown. @default unknown */
	readonly costOf?: (usage: Usage, model: string) => number | null;
	/**
	 * Keep each reply's text in the store (the dashboard's detail pane shows it). A headless
	 * run that writes a results file can turn it off: the text is on disk, and 100,000
	 * replies would otherwise stay in memory.
	 * @default true
	 */
	readonly retainOutput?: boolean;
	/** Where results go; without it they are only in the store and the summary. */
	readonly writer?: ResultsWriter;
	readonly store?: RunStore;
	/** Header label for the endpoint (`simulator flaky · seed 7`, or a host). */
	readonly endpoint?: string;
	readonly clock?: Clock;
	readonly onEvent?: (event: EngineEvent) => void;
}

export interface RunSummary {
	readonly total: number;
	readonly succeeded: number;
	readonly failed: number;
	readonly cancelled: number;
	readonly skipped: number;
	readonly truncated: number;
	readonly attempts: number;
	readonly retries: number;
	readonly rateLimited: number;
	readonly tokensIn: number;
	readonly tokensOut: number;
	readonly cachedTokens: number;
	readonly reasoningTokens: number;
	/** USD, null when no job had a known price. */
	readonly costUsd: number | null;
	readonly costComplete: boolean;
	readonly wallMs: number;
	readonly stopReason: string | null;
	readonly budget: {tokens: number | null; usd: number | null; spentTokens: number; spentUsd: number} | null;
}

interface Runtime {
	readonly spec: JobSpec;
	readonly model: string;
	readonly request: AttemptRequest;
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
	streamedTokens: number;
	pendingText: string;
	/** Has an entry waiting in the queue. */
	inQueue: boolean;
}

const DELTA_FLUSH_MS = 50;
const RATE_REFRESH_MS = 250;

const defaultDeltaTokens = (text: string) => Math.max(1, Math.round(text.length / 4));

export class Engine implements RunControls {
	readonly store: RunStore;
	readonly #options: EngineOptions;
	readonly #client: ModelClient;
	readonly #clock: Clock;
	readonly #limiter: Limiter;
	readonly #queue: PQueue;
	readonly #budget: Budget;
	readonly #jobs = new Map<string, Runtime>();
	readonly #order: string[] = [];
	readonly #maxRetries: number;
	#unfinished = 0;
	#stopping: {reason: string; kind: ErrorKind} | null = null;
	#paused = false;
	/** Why the run itself holds dispatching (the results file takes nothing); apart from the user's pause. */
	#held: string | null = null;
	#consecutiveConnectionFailures = 0;
	#started = false;
	#startedAt = 0;
	#doneWaiters: Array<() => void> = [];
	#dirty = new Set<Runtime>();
	#flushTimer: NodeJS.Timeout | null = null;
	#rateTimer: NodeJS.Timeout | null = null;
	#closed = false;
	/** 'fixed': the queue's concurrency is the user's ceiling and nothing else changes it. */
	#concurrencyMode: ConcurrencyMode;
	readonly #adaptive: AdaptiveConcurrency;
	/** Attempts sent and not yet answered. */
	#inFlight = 0;
	/** Index in `#order` of the next job never yet put in the queue. */
	#nextFresh = 0;

	constructor(jobs: readonly JobSpec[], options: EngineOptions) {
		this.#options = options;
		this.#client = options.client;
		this.#clock = options.clock ?? systemClock;
		this.#maxRetries = options.maxRetries ?? 4;
		this.#adaptive = new AdaptiveConcurrency({max: options.maxConcurrency});
		const asked = options.concurrency ?? 'auto';
		if (asked !== 'auto') checkCeiling(asked);
		this.#concurrencyMode = asked === 'auto' ? 'auto' : 'fixed';
		const concurrency = asked === 'auto' ? this.#adaptive.start : asked;
		this.#limiter = options.limiter ?? new RateLimiter({rpm: options.rpm, tpm: options.tpm, clock: this.#clock});
		this.#queue = new PQueue({concurrency, autoStart: false});
		this.#budget = new Budget(options.budget ?? {});
		const model = options.model ?? 'gpt-5.4-mini';
		this.store =
			options.store ??
			createRunStore({
				run: {phase: 'idle', model, endpoint: options.endpoint ?? '', startedAt: null, finishedAt: null, stopReason: null},
			});
		this.store.getState().setRun({model, endpoint: options.endpoint ?? this.store.getState().run.endpoint});
		this.store.getState().setRate({concurrency, concurrencyMode: this.#concurrencyMode, maxConcurrency: this.#adaptive.max});
		this.store.getState().setBudget({tokens: options.budget?.tokens ?? null, usd: options.budget?.usd ?? null});

		const count = options.countInputTokens ?? ((spec: JobSpec) => Math.ceil(spec.text.length / 4) + 8);
		for (const spec of jobs) {
			if (this.#jobs.has(spec.id)) throw new Error(`duplicate job id ${JSON.stringify(spec.id)}`);
			const jobModel = spec.model ?? model;
			const instructions = spec.instructions ?? options.instructions;
			const request: AttemptRequest = {
				model: jobModel,
				input: spec.input,
				...(instructions != null ? {instructions} : {}),
				maxOutputTokens: spec.maxOutputTokens ?? options.maxOutputTokens ?? 256,
				...(spec.metadata ? {metadata: spec.metadata} : {}),
				...(spec.extraBody ? {extraBody: spec.extraBody} : {}),
			};
			this.#jobs.set(spec.id, {
				spec,
				model: jobModel,
				request,
				estimateIn: count({...spec, instructions}, jobModel),
				status: 'queued',
				attemptsThisRound: 0,
				attemptsTotal: 0,
				waitedMs: 0,
				controller: null,
				history: [],
				firstStartedAt: null,
				lastError: null,
				streamedTokens: 0,
				pendingText: '',
				inQueue: false,
			});
			this.#order.push(spec.id);
		}
		this.#unfinished = this.#jobs.size;
		this.store.getState().addJobs(jobs, {model, tokensIn: spec => this.#jobs.get(spec.id)!.estimateIn});
	}

	/** Run every job; resolves when each has ended (retries after that restart it). */
	async run(): Promise<RunSummary> {
		if (!this.#started) {
			this.#started = true;
			this.#startedAt = this.#clock.now();
			this.store.getState().setRun({phase: this.#paused ? 'paused' : 'running', startedAt: this.#startedAt});
			this.#rateTimer = setInterval(() => this.#refreshRate(), RATE_REFRESH_MS);
			this.#rateTimer.unref?.();
			this.#feed();
			if (!this.#paused && this.#held == null) this.#queue.start();
		}
		await this.whenDone();
		return this.summary();
	}

	/** Resolves the next time every job has ended. */
	whenDone(): Promise<void> {
		if (this.#unfinished === 0) return Promise.resolve();
		return new Promise(resolve => this.#doneWaiters.push(resolve));
	}

	// ---- controls -------------------------------------------------------------------

	cancel(id: string): void {
		const job = this.#jobs.get(id);
		if (!job || isFinal(job.status)) return;
		if (job.status === 'running') {
			job.controller?.abort(new CancelledError('cancelled by the user'));
			return;
		}
		// Queued or waiting: its pending wait (if any) is aborted; its queue task will find it final.
		job.controller?.abort(new CancelledError('cancelled by the user'));
		this.#finish(job, 'cancelled', {
			kind: 'cancelled',
			status: null,
			code: null,
			message: 'cancelled by the user before it was sent' + (job.attemptsTotal > 0 ? ' again' : ''),
			retryable: false,
			retryAfterMs: null,
		});
	}

	retry(id: string): boolean {
		const job = this.#jobs.get(id);
		if (!job || !(job.status === 'failed' || job.status === 'cancelled' || job.status === 'skipped')) return false;
		if (this.#stopping) return false;
		job.attemptsThisRound = 0;
		job.waitedMs = 0;
		this.#setStatus(job, 'queued', {error: null, retryAt: null, finishedAt: null});
		this.#unfinished++;
		this.store.getState().setRun({phase: this.#paused ? 'paused' : 'running', finishedAt: null});
		this.#enqueue(job, 1);
		return true;
	}

	retryAllFailed(): number {
		let n = 0;
		for (const id of this.#order) {
			if (this.#jobs.get(id)!.status === 'failed' && this.retry(id)) n++;
		}
		return n;
	}

	pause(): void {
		if (this.#paused || this.#stopping) return;
		this.#paused = true;
		this.#queue.pause();
		if (this.#unfinished > 0) this.store.getState().setRun({phase: 'paused'});
	}

	resume(): void {
		if (!this.#paused || this.#stopping) return;
		this.#paused = false;
		if (this.#started && this.#held == null) this.#queue.start();
		if (this.#unfinished > 0) this.store.getState().setRun({phase: 'running'});
	}

	/**
	 * Hold dispatching for a reason of the run's own (its results cannot be written):
	 * requests in flight finish, nothing new is sent. Unlike `pause`, a user's resume does
	 * not lift it, and `release` does not undo a user's pause.
	 */
	hold(reason: string): void {
		this.#held = reason;
		this.#queue.pause();
	}

	release(): void {
		if (this.#held == null) return;
		this.#held = null;
		if (this.#started && !this.#paused && !this.#stopping) this.#queue.start();
	}

	/** Why dispatching is held, or null. */
	get held(): string | null {
		return this.#held;
	}

	setConcurrency(n: number | 'auto'): void {
		if (n !== 'auto') checkCeiling(n);
		this.#concurrencyMode = n === 'auto' ? 'auto' : 'fixed';
		// Back to auto from where the run is now (within auto's bounds), not from the start.
		const value = n === 'auto' ? Math.max(1, Math.min(this.#adaptive.max, this.#queue.concurrency)) : n;
		this.#queue.concurrency = value;
		this.store.getState().setRate({concurrency: value, concurrencyMode: this.#concurrencyMode});
		if (this.#started) this.#feed();
	}

	/** Requests that may be in flight now. */
	get concurrency(): number {
		return this.#queue.concurrency;
	}

	get concurrencyMode(): ConcurrencyMode {
		return this.#concurrencyMode;
	}

	async stop(options: {abort?: boolean; reason?: string; kind?: ErrorKind} = {}): Promise<void> {
		const reason = options.reason ?? 'the run was stopped';
		if (!this.#stopping) {
			this.#stopping = {reason, kind: options.kind ?? 'cancelled'};
			this.#options.onEvent?.({type: 'stopping', reason, at: this.#clock.now()});
			this.store.getState().setRun({phase: 'stopping', stopReason: reason});
			this.#queue.pause();
			this.#queue.clear();
			for (const id of this.#order) {
				const job = this.#jobs.get(id)!;
				if (job.status === 'queued' || job.status === 'waiting') this.#skipForStop(job);
			}
		}
		if (options.abort) {
			for (const job of this.#jobs.values()) {
				if (job.status === 'running') job.controller?.abort(new CancelledError(`aborted: ${reason}`));
			}
		}
		if (!this.#started) {
			this.#started = true;
			this.#startedAt = this.#clock.now();
		}
		await this.whenDone();
	}

	/** Flush the store and close the results file. Call once, after the run. */
	close(): RunSummary {
		if (!this.#closed) {
			this.#closed = true;
			this.#flushDeltas();
			if (this.#flushTimer) clearTimeout(this.#flushTimer);
			if (this.#rateTimer) clearInterval(this.#rateTimer);
			this.#refreshRate();
			this.#options.writer?.close();
		}
		return this.summary();
	}

	summary(): RunSummary {
		const {counts, totals, run} = this.store.getState();
		const end = run.finishedAt ?? this.#clock.now();
		return {
			total: this.#jobs.size,
			succeeded: counts.succeeded,
			failed: counts.failed,
			cancelled: counts.cancelled,
			skipped: counts.skipped,
			truncated: totals.truncated,
			attempts: totals.attempts,
			retries: totals.retries,
			rateLimited: totals.rateLimited,
			tokensIn: totals.tokensIn,
			tokensOut: totals.tokensOut,
			cachedTokens: totals.cachedTokens,
			reasoningTokens: totals.reasoningTokens,
			costUsd: totals.unpricedJobs > 0 && totals.costUsd === 0 ? null : totals.costUsd,
			costComplete: totals.unpricedJobs === 0,
			wallMs: this.#startedAt ? end - this.#startedAt : 0,
			stopReason: run.stopReason,
			budget: this.#budget.active
				? {
						tokens: this.#budget.limits.tokens ?? null,
						usd: this.#budget.limits.usd ?? null,
						spentTokens: this.#budget.spentTokens,
						spentUsd: this.#budget.spentUsd,
					}
				: null,
		};
	}

	// ---- the life of a job ------------------------------------------------------------

	#enqueue(job: Runtime, priority: number): void {
		// One queue entry a job at most: a job cancelled and retried before its entry ran
		// must not get two attempts at once.
		if (job.inQueue) return;
		job.inQueue = true;
		void this.#queue
			.add(() => this.#attempt(job), {priority})
			.catch(error => this.#unexpected(job, error))
			.finally(() => this.#feed());
	}

	/**
	 * Fresh jobs go into the queue a few at a time, not all 100,000 up front: the queue only
	 * needs enough to keep every slot busy, and each entry costs memory.
	 */
	#feed(): void {
		const want = Math.max(64, this.#queue.concurrency * 2);
		while (this.#queue.size < want && this.#nextFresh < this.#order.length && !this.#stopping) {
			const job = this.#jobs.get(this.#order[this.#nextFresh++]!)!;
			if (job.status === 'queued' && job.attemptsTotal === 0) this.#enqueue(job, 0);
		}
	}

	async #attempt(job: Runtime): Promise<void> {
		job.inQueue = false;
		if (job.status !== 'queued') return;
		if (this.#stopping) {
			this.#skipForStop(job);
			return;
		}
		if (job.attemptsTotal === 0 && this.#options.precheck) {
			const rejection = this.#options.precheck(job.spec, job.estimateIn);
			if (rejection) {
				this.#finish(job, 'failed', rejection);
				return;
			}
		}
		const controller = new AbortController();
		job.controller = controller;
		const estimate = job.estimateIn + (job.request.maxOutputTokens ?? 0);

		let reservation: Reservation | null = null;
		if (this.#budget.active) {
			const worstUsd = this.#costOf(job, {input_tokens: job.estimateIn, output_tokens: job.request.maxOutputTokens ?? 0, total_tokens: estimate});
			// Input counts are estimates: keep a margin so the real usage cannot pass the reservation.
			const worstTokens = Math.ceil(job.estimateIn * 1.1) + 16 + (job.request.maxOutputTokens ?? 0);
			const reserveUsd = worstUsd == null ? null : worstUsd * (worstTokens / Math.max(1, estimate));
			reservation = this.#budget.tryReserve(worstTokens, reserveUsd);
			// Reservations in flight usually settle for less: wait for them before giving up.
			while (!reservation && this.#budget.couldFitLater(worstTokens, reserveUsd)) {
				await this.#budget.nextSettle();
				if (job.status !== 'queued' || this.#stopping) break;
				reservation = this.#budget.tryReserve(worstTokens, reserveUsd);
			}
			if (job.status !== 'queued') {
				if (reservation) this.#budget.settle(reservation, 0, 0);
				return;
			}
			if (this.#stopping) {
				if (reservation) this.#budget.settle(reservation, 0, 0);
				this.#skipForStop(job);
				return;
			}
			if (!reservation) {
				this.#finish(job, 'skipped', {
					kind: 'budget',
					status: null,
					code: null,
					message: `not sent: its worst case (${worstTokens} tokens${worstUsd != null ? `, $${worstUsd.toFixed(4)}` : ''}) would pass the budget`,
					retryable: false,
					retryAfterMs: null,
				});
				return;
			}
		}

		let permit;
		try {
			permit = await this.#limiter.acquire(estimate, controller.signal);
		} catch (error) {
			if (reservation) this.#budget.settle(reservation, 0, 0);
			if (job.status === 'queued') this.#finish(job, 'cancelled', classifyError(error));
			return;
		}
		// A ceiling lowered (by a key, or by auto backing off) while this task waited for the
		// limiter: p-queue only holds back tasks not yet started, so this one must not send.
		const overCeiling = this.#inFlight >= this.#queue.concurrency;
		if (job.status !== 'queued' || this.#stopping || this.#paused || this.#held != null || overCeiling) {
			permit.settle(0);
			if (reservation) this.#budget.settle(reservation, 0, 0);
			if (job.status === 'queued' && this.#stopping) this.#skipForStop(job);
			else if (job.status === 'queued') this.#enqueue(job, 1);
			return;
		}

		const startedAt = this.#clock.now();
		job.attemptsThisRound++;
		job.attemptsTotal++;
		job.firstStartedAt ??= startedAt;
		job.streamedTokens = 0;
		this.store.getState().addTotals({attempts: 1});
		this.#setStatus(job, 'running', {
			attempts: job.attemptsTotal,
			retryAt: null,
			startedAt,
			output: '',
			tokensOut: 0,
			error: null,
		});

		let result: AttemptResult;
		this.#inFlight++;
		try {
			result = await this.#client.attempt(job.request, {
				signal: controller.signal,
				timeoutMs: this.#options.timeoutMs ?? 60_000,
				idleTimeoutMs: this.#options.idleTimeoutMs ?? 20_000,
				onHeaders: headers => this.#limiter.observeHeaders(headers),
				onDelta: text => this.#onDelta(job, text),
			});
		} catch (error) {
			this.#inFlight--;
			this.#flushJob(job);
			permit.settle(0);
			if (reservation) this.#budget.settle(reservation, 0, 0);
			this.#onFailure(job, classifyError(error), startedAt);
			return;
		}
		this.#inFlight--;
		this.#adaptive.observeLatency(this.#clock.now() - startedAt);
		this.#flushJob(job);
		const usage = result.usage;
		const actualTokens = usage ? usage.total_tokens : estimate;
		permit.settle(actualTokens);
		const cost = usage ? this.#costOf(job, usage) : null;
		if (reservation) this.#budget.settle(reservation, usage ? usage.total_tokens : reservation.tokens, cost ?? reservation.usd);
		this.#consecutiveConnectionFailures = 0;
		this.#onSuccess(job, result, startedAt, cost);
	}

	#costOf(job: Runtime, usage: Usage): number | null {
		return this.#options.costOf ? this.#options.costOf(usage, job.model) : null;
	}

	#onDelta(job: Runtime, text: string): void {
		job.pendingText += text;
		this.#dirty.add(job);
		this.#flushTimer ??= setTimeout(() => {
			this.#flushTimer = null;
			this.#flushDeltas();
		}, DELTA_FLUSH_MS);
	}

	#flushDeltas(): void {
		for (const job of this.#dirty) this.#flushJob(job);
	}

	#flushJob(job: Runtime): void {
		if (!this.#dirty.delete(job)) return;
		if (job.pendingText) {
			// Counted once per flush, not per SSE delta: tokenizing every delta was a hot path.
			const tokens = (this.#options.countDeltaTokens ?? defaultDeltaTokens)(job.pendingText);
			job.streamedTokens += tokens;
			this.store.getState().appendOutput(job.spec.id, this.#options.retainOutput === false ? '' : job.pendingText, tokens);
			job.pendingText = '';
		}
	}

	#onSuccess(job: Runtime, result: AttemptResult, startedAt: number, cost: number | null): void {
		const endedAt = this.#clock.now();
		const usage = result.usage;
		const state = this.store.getState();
		// The API's usage replaces the live estimate.
		const tokensOut = usage?.output_tokens ?? job.streamedTokens;
		state.addTotals({
			tokensOut: tokensOut - job.streamedTokens,
			tokensIn: usage?.input_tokens ?? 0,
			cachedTokens: usage?.cached_tokens ?? 0,
			reasoningTokens: usage?.reasoning_tokens ?? 0,
			truncated: result.truncated ? 1 : 0,
			...(cost != null ? {costUsd: cost} : usage ? {unpricedJobs: 1} : {}),
		});
		job.history.push({n: job.attemptsTotal, startedAt, endedAt, outcome: result.truncated ? 'truncated' : 'succeeded', error: null, waitMs: null});
		this.#finish(job, 'succeeded', null, {result, startedAt, endedAt}, {
			output: this.#options.retainOutput === false ? '' : result.text,
			tokensOut,
			tokensIn: usage?.input_tokens ?? job.estimateIn,
			usage,
			truncated: result.truncated,
			requestId: result.requestId,
			latencyMs: endedAt - startedAt,
			costUsd: cost,
			history: [...job.history],
		});
	}

	#onFailure(job: Runtime, error: ErrorInfo, startedAt: number): void {
		const endedAt = this.#clock.now();
		const state = this.store.getState();
		// Streamed text of a failed attempt was not delivered: take its live count back.
		if (job.streamedTokens) state.addTotals({tokensOut: -job.streamedTokens});
		job.streamedTokens = 0;
		job.lastError = error;
		if (error.kind === 'rate_limit') {
			state.addTotals({rateLimited: 1});
			this.#limiter.observeRateLimit(error.retryAfterMs, error.rateLimits);
		} else if (error.rateLimits) {
			this.#limiter.observeHeaders(error.rateLimits);
		}
		if (error.kind === 'unexpected') this.#options.onEvent?.({type: 'unexpected', id: job.spec.id, error, at: endedAt});
		if (error.kind === 'connection') {
			this.#consecutiveConnectionFailures++;
		} else if (error.status != null) {
			this.#consecutiveConnectionFailures = 0;
		}

		const cancelled = error.kind === 'cancelled';
		let waitMs: number | null = null;
		let failMessage: string | null = null;
		if (!cancelled && error.retryable && !this.#stopping && job.attemptsThisRound <= this.#maxRetries) {
			waitMs = retryDelay(job.attemptsThisRound - 1, error.retryAfterMs, this.#options.backoff);
			const maxWait = this.#options.maxRetryWaitMs ?? 600_000;
			if (job.waitedMs + waitMs > maxWait) {
				failMessage = `${error.message} (the next retry would wait ${(waitMs / 1000).toFixed(1)}s, past --max-retry-wait ${(maxWait / 1000).toFixed(maxWait < 10_000 ? 1 : 0)}s)`;
				waitMs = null;
			}
		}
		job.history.push({n: job.attemptsTotal, startedAt, endedAt, outcome: cancelled ? 'cancelled' : 'failed', error, waitMs});
		state.updateJob(job.spec.id, {latencyMs: endedAt - startedAt, requestId: error.requestId ?? null, history: [...job.history]});

		if (waitMs != null) {
			this.#scheduleRetry(job, error, waitMs);
		} else if (cancelled) {
			this.#finish(job, 'cancelled', error);
		} else {
			const final = failMessage ? {...error, message: failMessage} : error;
			this.#finish(job, 'failed', final);
		}

		if (!this.#stopping) {
			if (stopsRun(error)) {
				void this.stop({reason: stopAdvice(error), kind: error.kind});
			} else if (this.#consecutiveConnectionFailures >= (this.#options.maxConsecutiveConnectionFailures ?? 25)) {
				void this.stop({
					reason: `${this.#consecutiveConnectionFailures} connection failures in a row: check the network and --base-url, then run again with --resume`,
					kind: 'connection',
				});
			}
		}
	}

	#scheduleRetry(job: Runtime, error: ErrorInfo, waitMs: number): void {
		const retryAt = this.#clock.now() + waitMs;
		job.waitedMs += waitMs;
		this.store.getState().addTotals({retries: 1});
		this.#setStatus(job, 'waiting', {retryAt, error});
		this.#options.onEvent?.({type: 'retry', id: job.spec.id, attempt: job.attemptsTotal, error, waitMs, at: this.#clock.now()});
		const controller = new AbortController();
		job.controller = controller;
		this.#clock.sleep(waitMs, controller.signal).then(
			() => {
				if (job.status !== 'waiting') return;
				if (this.#stopping) {
					this.#skipForStop(job);
					return;
				}
				this.#setStatus(job, 'queued', {retryAt: null});
				this.#enqueue(job, 1);
			},
			() => {
				// Aborted: cancel() or stop() already settled the job.
			},
		);
	}

	#skipForStop(job: Runtime): void {
		const stopping = this.#stopping!;
		job.controller?.abort(new CancelledError(stopping.reason));
		if (job.status === 'waiting') {
			const last = job.lastError;
			this.#finish(job, 'cancelled', {
				kind: 'cancelled',
				status: null,
				code: null,
				message: `retry not sent: ${stopping.reason}${last ? ` (last error: ${last.kind}: ${last.message})` : ''}`,
				retryable: false,
				retryAfterMs: null,
			});
			return;
		}
		this.#finish(job, 'skipped', {
			kind: stopping.kind,
			status: null,
			code: null,
			message: `not sent: ${stopping.reason}`,
			retryable: false,
			retryAfterMs: null,
		});
	}

	#unexpected(job: Runtime, error: unknown): void {
		const info = classifyError(error);
		const asUnexpected: ErrorInfo = {...info, kind: 'unexpected', retryable: false};
		this.#options.onEvent?.({type: 'unexpected', id: job.spec.id, error: asUnexpected, at: this.#clock.now()});
		if (!isFinal(job.status)) this.#finish(job, 'failed', asUnexpected);
	}

	#setStatus(job: Runtime, status: JobStatus, patch: Partial<Omit<JobView, 'id' | 'status'>> = {}): void {
		job.status = status;
		this.store.getState().updateJob(job.spec.id, {...patch, status});
	}

	#finish(
		job: Runtime,
		status: FinalStatus,
		error: ErrorInfo | null,
		success?: {result: AttemptResult; startedAt: number; endedAt: number},
		patch: Partial<Omit<JobView, 'id' | 'status'>> = {},
	): void {
		if (isFinal(job.status)) return;
		const now = this.#clock.now();
		job.controller = null;
		// One store update for the whole ending (a hot path at thousands of jobs a second).
		this.#setStatus(job, status, {...patch, error, retryAt: null, finishedAt: now});
		const view = this.store.getState().jobs.get(job.spec.id)!;
		const record: ResultRecord = {
			id: job.spec.id,
			line: job.spec.line,
			status,
			output: success ? success.result.text : null,
			truncated: success ? success.result.truncated : false,
			error: error ? errorForRecord(error) : null,
			attempts: job.attemptsTotal,
			usage: success ? success.result.usage : null,
			model: success?.result.model ?? job.model,
			latency_ms: success ? success.endedAt - success.startedAt : view.latencyMs,
			started_at: job.firstStartedAt != null ? new Date(job.firstStartedAt).toISOString() : null,
			finished_at: new Date(now).toISOString(),
			request_id: success ? success.result.requestId : (error?.requestId ?? view.requestId ?? null),
			...(view.inputTruncated ? {input_truncated: true} : {}),
		};
		this.#options.writer?.append(record);
		this.#options.onEvent?.({type: 'finished', record, at: now});
		this.#unfinished--;
		if (this.#unfinished === 0) this.#onAllDone();
	}

	#onAllDone(): void {
		this.#flushDeltas();
		this.#refreshRate();
		this.store.getState().setRun({phase: 'done', finishedAt: this.#clock.now()});
		const waiters = this.#doneWaiters;
		this.#doneWaiters = [];
		for (const resolve of waiters) resolve();
	}

	#adaptConcurrency(pacedRpm: number | null): void {
		// Paused or held, latency and busy slots say nothing about what the server could take.
		if (this.#closed || this.#stopping || this.#paused || this.#held != null || this.#concurrencyMode === 'fixed') return;
		const current = this.#queue.concurrency;
		const next = this.#adaptive.target({
			now: this.#clock.now(),
			current,
			pacedRpm,
			inFlight: this.#inFlight,
			queued: this.#queue.size,
		});
		if (next === current) return;
		this.#queue.concurrency = next;
		this.#feed();
		this.store.getState().setRate({concurrency: next});
	}

	#refreshRate(): void {
		const snap = this.#limiter.snapshot();
		this.store.getState().setRate({
			rpmNow: snap.rpmNow,
			tpmNow: snap.tpmNow,
			rpmLimit: snap.rpmLimit,
			tpmLimit: snap.tpmLimit,
			limitSource: snap.limitSource,
		});
		this.#adaptConcurrency(snap.pacedRpm ?? null);
		if (this.#budget.active) {
			this.store.getState().setBudget({spentTokens: this.#budget.spentTokens, spentUsd: this.#budget.spentUsd});
		}
	}
}

/** A fixed ceiling: a whole number of requests, at least one. */
function checkCeiling(n: number): void {
	if (!Number.isInteger(n) || n < 1) throw new RangeError(`concurrency must be a whole number >= 1 or 'auto', got ${String(n)}`);
}

/** What to tell a person when an error stops the whole run. */
export function stopAdvice(error: ErrorInfo): string {
	switch (error.kind) {
		case 'quota':
			return `quota exhausted (${error.code ?? 'insufficient_quota'}): add credit or raise the spend limit, then run again with --resume`;
		case 'auth':
			return 'the API key was refused (401): fix OPENAI_API_KEY (or --api-key-file), then run again with --resume';
		case 'not_found':
			return `unknown model (${error.message}): check --model and --base-url, then run again with --resume`;
		default:
			return `${error.kind}: ${error.message}`;
	}
}
