/**
 * The streaming run: the facade and the lifecycle (start, controls, stop, close). Each
 * decision has a file of its own: one attempt ./attempt.ts, retry and stop rules
 * ./retryPolicy.ts, who goes next ./dispatcher.ts, each job's books ./jobLife.ts, records
 * ./resultRecord.ts. The engine reports to a RunSink and never reads back from it.
 */
import {runAttempt, type AttemptDeps, type AttemptOutcome, type Gate} from './attempt.js';
import {Budget} from './budget.js';
import {condenseBooks, condenseJob, type CondenseDeps} from './condenseJob.js';
import type {ControlSupport} from './controls.js';
import {DEFAULTS} from './defaults.js';
import {Dispatcher} from './dispatcher.js';
import type {EngineOptions} from './engineOptions.js';
import {CancelledError, classifyError, pacerError} from './errors.js';
import {defaultDeltaTokens, defaultInputTokens, jobRuntime, jobRuntimes, type JobRuntime, type RequestDefaults} from './jobRuntime.js';
import type {JobStream} from './jobStream.js';
import {JobLife} from './jobLife.js';
import type {RunSummary} from './ledger.js';
import type {Limiter} from './limiter.js';
import {RateLimiter} from './rateLimiter.js';
import {afterFailure, ConnectionBreaker, stopCauseOf, type StopCause} from './retryPolicy.js';
import type {Runner} from './runner.js';
import {silentSink, type RunSink} from './runSink.js';
import {systemClock} from './clock.js';
import {isFinal, type Clock, type ConcurrencyMode, type ErrorInfo, type ErrorKind, type JobSpec, type Timer, type Usage} from './types.js';

export type {EngineEvent} from './engineEvents.js';
export type {EngineOptions} from './engineOptions.js';
export type {RunSummary} from './ledger.js';

/** Unread jobs a stop skips between two turns of the event loop. */
const SKIP_SLICE = 1000;

/** How often the rate figures are refreshed and auto concurrency takes its next step. */
const RATE_REFRESH_MS = 250;

export class Engine implements Runner {
	readonly supports: ControlSupport = {jobs: true, pause: true, concurrency: true};
	readonly #options: EngineOptions;
	readonly #clock: Clock;
	readonly #sink: RunSink;
	readonly #limiter: Limiter;
	readonly #budget: Budget;
	readonly #life: JobLife;
	readonly #breaker: ConnectionBreaker;
	readonly #dispatch: Dispatcher;
	readonly #attemptDeps: AttemptDeps;
	readonly #condenseDeps: CondenseDeps | null;
	/** The jobs read so far, in order, less those forgotten (`keepJobs: false`). */
	readonly #jobs = new Map<string, JobRuntime>();
	readonly #total: number;
	/** Jobs not yet read (`keepJobs: false`); null once all are. */
	#stream: JobStream | null;
	readonly #defaults: RequestDefaults;
	readonly #count: (spec: JobSpec, model: string) => number;
	/** The highest number of jobs held at once. */
	#heldMost = 0;
	#stopping: StopCause | null = null;
	#started = false;
	#startedAt = 0;
	#finishedAt: number | null = null;
	#doneWaiters: Array<() => void> = [];
	#ticker: Timer | null = null;
	#closed = false;

	/** `jobs`: an array, or a stream read as the queue needs it (`keepJobs: false`; with true it is read whole now). */
	constructor(jobs: readonly JobSpec[] | JobStream, options: EngineOptions) {
		this.#options = options;
		this.#clock = options.clock ?? systemClock;
		this.#sink = options.sink ?? silentSink;
		this.#limiter = options.limiter ?? new RateLimiter({rpm: options.rpm, tpm: options.tpm, clock: this.#clock});
		this.#budget = new Budget(options.budget ?? {});
		this.#breaker = new ConnectionBreaker(options.maxConsecutiveConnectionFailures);
		const model = options.model ?? DEFAULTS.model;
		const count = options.countInputTokens ?? defaultInputTokens;
		this.#count = count;
		this.#defaults = {model, maxOutputTokens: options.maxOutputTokens, instructions: options.instructions};
		const keep = options.keepJobs !== false;
		let order: readonly JobRuntime[] = [];
		if (keep) {
			order = jobRuntimes(isStream(jobs) ? drain(jobs) : jobs, this.#defaults, count);
			for (const job of order) this.#jobs.set(job.spec.id, job);
			this.#total = order.length;
			this.#stream = null;
		} else {
			this.#stream = isStream(jobs) ? jobs : arrayStream(jobs);
			this.#total = this.#stream.total;
		}
		this.#heldMost = this.#jobs.size;
		let nextIndex = 0;
		this.#dispatch = new Dispatcher({
			concurrency: options.concurrency,
			maxConcurrency: options.maxConcurrency,
			queue: options.queue,
			nextFresh: keep ? () => order[nextIndex++] : () => this.#read(),
			attempt: job => this.#attempt(job),
			onTaskError: (job, error) => this.#unexpected(job, error),
		});
		const {client, timeoutMs = DEFAULTS.timeoutMs, idleTimeoutMs = DEFAULTS.idleTimeoutMs} = options;
		const costOf = (usage: Usage, m: string) => options.costOf?.(usage, m) ?? null;
		this.#attemptDeps = {client, limiter: this.#limiter, budget: this.#budget, clock: this.#clock, timeoutMs, idleTimeoutMs, costOf};

		this.#sink.runChanged({model, ...(options.endpoint != null ? {endpoint: options.endpoint} : {})});
		this.#sink.rateChanged({concurrency: this.#dispatch.concurrency, concurrencyMode: this.#dispatch.mode, maxConcurrency: this.#dispatch.adaptive.max});
		this.#sink.budgetChanged({tokens: options.budget?.tokens ?? null, usd: options.budget?.usd ?? null});
		const books = condenseBooks(this.#budget, options.condense);
		this.#life = new JobLife(this.#total, {
			sink: this.#sink,
			clock: this.#clock,
			writer: options.writer,
			onEvent: options.onEvent,
			retainOutput: options.retainOutput,
			countDeltaTokens: options.countDeltaTokens ?? defaultDeltaTokens,
			onAllDone: () => this.#onAllDone(),
			apiFor: job => options.client.apiFor?.(job.request) ?? job.request.api ?? 'responses',
			...books,
			// A failed or cancelled job stays: it may be retried. One that succeeded or was skipped is only its record now.
			...(keep ? {} : {recorded: (job: JobRuntime) => (job.status === 'succeeded' || job.status === 'skipped') && this.#jobs.delete(job.spec.id)}),
		});
		if (keep) this.#life.added(order);
		const condense = options.condense;
		const sent = () => this.#dispatch.inFlight++;
		this.#condenseDeps = condense ? {attempt: this.#attemptDeps, options: condense, count, life: this.#life, sent, answered: (_, outcome) => this.#callAnswered(outcome)} : null;
	}

	/** Run every job; resolves when each has ended (retries after that restart it). */
	async run(): Promise<RunSummary> {
		if (!this.#started) {
			this.#markStarted();
			this.#sink.runChanged({phase: this.#dispatch.paused ? 'paused' : 'running', startedAt: this.#startedAt});
			this.#ticker = this.#clock.every(RATE_REFRESH_MS, () => this.#refreshRate());
			this.#dispatch.begin();
		}
		await this.whenDone();
		return this.summary();
	}

	whenDone(): Promise<void> {
		if (this.#life.unfinished === 0) return Promise.resolve();
		return new Promise(resolve => this.#doneWaiters.push(resolve));
	}

	cancel(id: string): void {
		const job = this.#jobs.get(id);
		if (!job || isFinal(job.status)) return;
		job.controller?.abort(new CancelledError('cancelled by the user'));
		// A running request ends `cancelled` when its abort lands; a queued or waiting job ends now.
		if (job.status === 'running') return;
		this.#life.finish(job, 'cancelled', pacerError('cancelled', 'cancelled by the user before it was sent' + (job.attemptsTotal > 0 ? ' again' : '')));
	}

	retry(id: string): boolean {
		const job = this.#jobs.get(id);
		if (!job || !(job.status === 'failed' || job.status === 'cancelled' || job.status === 'skipped')) return false;
		if (this.#stopping) return false;
		this.#life.reopened(job);
		this.#finishedAt = null;
		this.#sink.runChanged({phase: this.#dispatch.paused ? 'paused' : 'running', finishedAt: null});
		this.#dispatch.enqueue(job, 1);
		return true;
	}

	retryAllFailed(): number {
		let n = 0;
		for (const job of [...this.#jobs.values()]) if (job.status === 'failed' && this.retry(job.spec.id)) n++;
		return n;
	}

	pause(): void {
		if (this.#dispatch.paused || this.#stopping) return;
		this.#dispatch.pause();
		if (this.#life.unfinished > 0) this.#sink.runChanged({phase: 'paused'});
	}

	resume(): void {
		if (!this.#dispatch.paused || this.#stopping) return;
		this.#dispatch.resume();
		if (this.#life.unfinished > 0) this.#sink.runChanged({phase: 'running'});
	}

	hold(reason: string): void {
		this.#dispatch.hold(reason);
	}

	release(): void {
		this.#dispatch.release();
	}

	get held(): string | null {
		return this.#dispatch.held;
	}

	get running(): number {
		return this.#life.ledger.counts.running;
	}

	setConcurrency(n: number | 'auto'): void {
		const value = this.#dispatch.setConcurrency(n);
		this.#sink.rateChanged({concurrency: value, concurrencyMode: this.#dispatch.mode});
		if (this.#started) this.#dispatch.feed();
	}

	/** Requests that may be in flight now. */
	get concurrency(): number {
		return this.#dispatch.concurrency;
	}

	get concurrencyMode(): ConcurrencyMode {
		return this.#dispatch.mode;
	}

	async stop(options: {abort?: boolean; reason?: string; kind?: ErrorKind} = {}): Promise<void> {
		const reason = options.reason ?? 'the run was stopped';
		if (!this.#stopping) {
			this.#stopping = {reason, kind: options.kind ?? 'cancelled'};
			this.#options.onEvent?.({type: 'stopping', reason, kind: this.#stopping.kind, at: this.#clock.now()});
			this.#sink.runChanged({phase: 'stopping', stopReason: reason, stopKind: this.#stopping.kind});
			this.#dispatch.close();
			for (const job of [...this.#jobs.values()]) if (job.status === 'queued' || job.status === 'waiting') this.#skipForStop(job);
			// Jobs never read end skipped too: each has its record. A stop with most of a big
			// file unread skips it in slices, yielding between them, so that what the sink and
			// the results writer make of each slice can leave (and be collected) before the next:
			// in one loop, a quit at 3,000 of 100,000 jobs held all 97,000 at once.
			let skipped = 0;
			for (let job = this.#read(false); job; job = this.#read(false)) {
				this.#skipForStop(job);
				if (++skipped % SKIP_SLICE === 0) await new Promise(resolve => setImmediate(resolve));
			}
		}
		if (options.abort) {
			for (const job of this.#jobs.values()) if (job.status === 'running') job.controller?.abort(new CancelledError(`aborted: ${reason}`));
		}
		if (!this.#started) this.#markStarted();
		await this.whenDone();
	}

	close(): RunSummary {
		if (!this.#closed) {
			this.#closed = true;
			this.#life.flushAll();
			this.#ticker?.cancel();
			this.#refreshRate();
			this.#options.writer?.close();
		}
		return this.summary();
	}

	summary(): RunSummary {
		const end = this.#finishedAt ?? this.#clock.now();
		return this.#life.ledger.summary({
			total: this.#total,
			wallMs: this.#started ? end - this.#startedAt : 0,
			stopReason: this.#stopping?.reason ?? null,
			stopKind: this.#stopping?.kind ?? null,
			budget: this.#budget.active ? {limits: this.#budget.limits, spentTokens: this.#budget.spentTokens, spentUsd: this.#budget.spentUsd} : null,
			apiNote: this.#options.client.apiNote ?? null,
		});
	}

	/** The most jobs held at once (all of them with `keepJobs`; with false, about what is queued and in flight). */
	get heldMost(): number {
		return this.#heldMost;
	}

	/**
	 * The next job of the stream, made a runtime, or undefined. Its input tokens are counted
	 * now, unless `toSend` is false (a stop skips it: tokenizing a million prompts to skip them is waste).
	 */
	#read(toSend = true): JobRuntime | undefined {
		const spec = this.#stream?.next();
		if (!spec) {
			this.#stream = null;
			return undefined;
		}
		const job = jobRuntime(spec, this.#defaults, toSend ? this.#count : () => 0);
		this.#jobs.set(spec.id, job);
		if (this.#jobs.size > this.#heldMost) this.#heldMost = this.#jobs.size;
		this.#life.added([job]);
		return job;
	}

	#markStarted(): void {
		this.#started = true;
		this.#startedAt = this.#clock.now();
	}

	readonly #gate: (job: JobRuntime) => Gate = job => withPermit => {
		// Running: between the calls of a chain that condenses its input.
		if (job.status !== 'queued' && job.status !== 'running') return 'gone';
		if (this.#stopping) return 'stopped';
		if (withPermit && this.#dispatch.mustWait) return 'requeue';
		return 'go';
	};

	async #attempt(job: JobRuntime): Promise<void> {
		if (job.status !== 'queued') return;
		if (this.#stopping) return this.#skipForStop(job);
		if (job.attemptsTotal === 0 && this.#options.precheck) {
			const rejection = this.#options.precheck(job.spec, job.estimateIn);
			if (rejection) return this.#life.finish(job, 'failed', rejection);
		}
		const condensed = this.#condenseDeps ? await condenseJob(job, this.#condenseDeps, this.#gate(job)) : null;
		if (condensed && condensed.type !== 'ready') return this.#afterAttempt(job, condensed);
		const sending = (startedAt: number) => {
			this.#dispatch.inFlight++;
			this.#life.sending(job, startedAt);
		};
		const outcome = await runAttempt(job, this.#attemptDeps, this.#gate(job), {sending, delta: text => this.#life.delta(job, text)}, {controller: condensed?.controller});
		this.#afterAttempt(job, outcome);
	}

	#afterAttempt(job: JobRuntime, outcome: AttemptOutcome): void {
		switch (outcome.type) {
			case 'gone':
				return;
			case 'stopped':
				return this.#skipForStop(job);
			case 'requeue':
				if (job.status === 'running') this.#life.setStatus(job, 'queued', {condensing: null});
				return this.#dispatch.enqueue(job, 1);
			case 'not-sent':
				return this.#life.finish(job, outcome.status, outcome.error);
			case 'answered':
				this.#callAnswered(outcome);
				this.#life.flush(job);
				return this.#life.answered(job, outcome, outcome.cost);
			case 'failed':
				this.#dispatch.inFlight--;
				this.#life.flush(job);
				return this.#onFailure(job, outcome.error, outcome.startedAt, outcome.endedAt);
		}
	}

	#callAnswered(outcome: {startedAt: number; endedAt: number}): void {
		this.#dispatch.inFlight--;
		this.#dispatch.adaptive.observeLatency(outcome.endedAt - outcome.startedAt);
		this.#breaker.answered();
	}

	#onFailure(job: JobRuntime, error: ErrorInfo, startedAt: number, endedAt: number): void {
		if (error.kind === 'rate_limit') this.#limiter.observeRateLimit(error.retryAfterMs, error.rateLimits);
		else if (error.rateLimits) this.#limiter.observeHeaders(error.rateLimits);
		if (error.kind === 'unexpected') this.#options.onEvent?.({type: 'unexpected', id: job.spec.id, error, at: endedAt});
		const tripped = this.#breaker.failed(error, startedAt, endedAt);
		const halt = this.#stopping ? null : (stopCauseOf(error) ?? tripped);

		const verdict = afterFailure(error, {attemptsThisRound: job.attemptsThisRound, waitedMs: job.waitedMs, stopping: this.#stopping != null}, this.#options);
		this.#life.attemptFailed(job, error, {startedAt, endedAt}, verdict.type === 'retry' ? verdict.waitMs : null);
		if (verdict.type === 'retry') this.#scheduleRetry(job, error, verdict.waitMs);
		else if (verdict.type === 'cancel') this.#life.finish(job, 'cancelled', error);
		else this.#life.finish(job, 'failed', verdict.error);

		if (halt && !this.#stopping) void this.stop({reason: halt.reason, kind: halt.kind});
	}

	#scheduleRetry(job: JobRuntime, error: ErrorInfo, waitMs: number): void {
		this.#life.retryLater(job, error, waitMs, () => {
			if (this.#stopping) return this.#skipForStop(job);
			this.#life.setStatus(job, 'queued', {retryAt: null});
			this.#dispatch.enqueue(job, 1);
		});
	}

	#skipForStop(job: JobRuntime): void {
		const stopping = this.#stopping!;
		job.controller?.abort(new CancelledError(stopping.reason));
		if (job.status === 'waiting') {
			const last = job.lastError ? ` (last error: ${job.lastError.kind}: ${job.lastError.message})` : '';
			return this.#life.finish(job, 'cancelled', pacerError('cancelled', `retry not sent: ${stopping.reason}${last}`));
		}
		this.#life.finish(job, 'skipped', pacerError(stopping.kind, `not sent: ${stopping.reason}`));
	}

	#unexpected(job: JobRuntime, error: unknown): void {
		const info: ErrorInfo = {...classifyError(error), kind: 'unexpected', retryable: false};
		this.#options.onEvent?.({type: 'unexpected', id: job.spec.id, error: info, at: this.#clock.now()});
		if (!isFinal(job.status)) this.#life.finish(job, 'failed', info);
	}

	#onAllDone(): void {
		this.#refreshRate();
		this.#finishedAt = this.#clock.now();
		this.#sink.runChanged({phase: 'done', finishedAt: this.#finishedAt});
		const waiters = this.#doneWaiters;
		this.#doneWaiters = [];
		for (const resolve of waiters) resolve();
	}

	#refreshRate(): void {
		const snap = this.#limiter.snapshot();
		this.#sink.rateChanged({rpmNow: snap.rpmNow, tpmNow: snap.tpmNow, rpmLimit: snap.rpmLimit, tpmLimit: snap.tpmLimit, limitSource: snap.limitSource});
		// Paused or held, latency and busy slots say nothing about what the server could take.
		if (!this.#closed && !this.#stopping && !this.#dispatch.paused && this.#dispatch.held == null) {
			const next = this.#dispatch.adapt(this.#clock.now(), snap.pacedRpm ?? null);
			if (next != null) this.#sink.rateChanged({concurrency: next});
		}
		if (this.#budget.active) this.#sink.budgetChanged({spentTokens: this.#budget.spentTokens, spentUsd: this.#budget.spentUsd});
	}
}

function isStream(jobs: readonly JobSpec[] | JobStream): jobs is JobStream {
	return !Array.isArray(jobs);
}

function drain(stream: JobStream): JobSpec[] {
	const specs: JobSpec[] = [];
	for (let spec = stream.next(); spec; spec = stream.next()) specs.push(spec);
	return specs;
}

function arrayStream(specs: readonly JobSpec[]): JobStream {
	let next = 0;
	return {total: specs.length, next: () => specs[next++]};
}
