/**
 * The Batch API runner: the run's jobs go to the provider as batch files instead of one
 * request at a time. Each part is uploaded, its batch created (the state file saved
 * before each next step, ./stateFile.ts), polled until it ends and its files collected
 * into `--out`, one record per id; `thenLive` sends what failed or expired through the
 * live engine at the end. A detach (Ctrl+C, SIGTERM, `q`) stops watching and leaves the
 * batches running: `--resume` re-attaches to them from the state file.
 *
 * It implements the Runner seam (jobs, pause and concurrency are not the provider's to
 * steer) and BatchControls; the dashboard hears it through the sink and `onBatches`.
 */
import {systemClock} from '../core/clock.js';
import type {ControlSupport} from '../core/controls.js';
import {RunLedger, type RunSummary} from '../core/ledger.js';
import type {Runner} from '../core/runner.js';
import {silentSink, type RunSink} from '../core/runSink.js';
import type {Clock, ConcurrencyMode, ErrorInfo, JobSpec, ResultRecord} from '../core/types.js';
import type {BatchRunnerOptions} from './batchRunnerOptions.js';
import {batchTotals, changeOf, jobFacts, noteOf, queuedViews, rowsOf} from './batchView.js';
import type {BatchControls} from './batchRow.js';
import {recordWithout, type RecordContext} from './batchRecords.js';
import {collectBatch} from './collect.js';
import {errorForRecord} from '../core/errors.js';
import {PartBudget} from './partBudget.js';
import {ProviderError, waitForBatch, withRetries, type Batch, type CallPolicy} from './poll.js';
import type {BatchJobRequest} from './requestLines.js';
import {createBatch, uploadPart} from './submit.js';
import {newState, stateToResume} from './runLayout.js';
import {StateFileError, writeState, type PartState, type RunState} from './stateFile.js';

/** How to re-attach, for every message that leaves batches running. */
export const REATTACH = 'the batches go on at the provider; `pacer run FILE --batch-api --resume` re-attaches';
/** The built-in simulator lives in this process: nothing is left to re-attach to. */
const SIM_ENDS = 'the built-in simulator ends with pacer, and its batches with it';

export type {BatchRunnerOptions} from './batchRunnerOptions.js';

export class BatchRunner implements Runner, BatchControls {
	readonly supports: ControlSupport = {jobs: false, pause: false, concurrency: false};
	readonly concurrencyMode: ConcurrencyMode = 'fixed';
	readonly #o: BatchRunnerOptions;
	readonly #clock: Clock;
	readonly #sink: RunSink;
	readonly #ledger = new RunLedger();
	readonly #pending: BatchJobRequest[];
	readonly #byId = new Map<string, BatchJobRequest>();
	/** Ids that have their record from this run. */
	readonly #written = new Set<string>();
	/** What failed or expired in a batch: `thenLive` sends these again. */
	readonly #failed = new Map<string, JobSpec>();
	readonly #detach = new AbortController();
	readonly #wake = new Map<number, AbortController>();
	readonly #budget: PartBudget;
	#state: RunState | null = null;
	#startedAt = 0;
	#finishedAt: number | null = null;
	#stopReason: string | null = null;
	#stopKind: ErrorInfo['kind'] | null = null;
	#held: string | null = null;
	#running: Promise<RunSummary> | null = null;
	#closed = false;

	constructor(options: BatchRunnerOptions) {
		this.#o = options;
		this.#clock = options.clock ?? systemClock;
		this.#sink = options.sink ?? silentSink;
		const done = options.done ?? new Set<string>();
		this.#pending = options.jobs.filter(job => !done.has(job.spec.id));
		for (const job of this.#pending) this.#byId.set(job.spec.id, job);
		this.#budget = new PartBudget(options.budget ?? {}, options.price);
		this.#ledger.added(this.#pending.length);
		this.#sink.jobsAdded(queuedViews(this.#pending));
		this.#sink.runChanged({phase: 'idle', model: options.identity.model, endpoint: options.endpoint ?? ''});
		const limits = this.#budget.figures();
		if (limits) this.#sink.budgetChanged(limits);
	}

	run(): Promise<RunSummary> {
		this.#running ??= this.#run();
		return this.#running;
	}

	async #run(): Promise<RunSummary> {
		this.#startedAt = this.#clock.now();
		this.#sink.runChanged({phase: 'running', startedAt: this.#startedAt});
		const polls: Array<Promise<void>> = [];
		try {
			this.#refuseUnsendable();
			this.#state = await this.#openState();
			for (const part of this.#state.parts) if (part.batchId) this.#budget.submitted(part);
			this.#publish();
			for (const part of this.#state.parts) {
				if (part.collected || this.#detach.signal.aborted) continue;
				if (!part.batchId && !(await this.#submit(part))) continue;
				const poll = this.#follow(part);
				// Heard by allSettled below; until then a rejection must not count as unhandled.
				poll.catch(() => {});
				polls.push(poll);
			}
			// Every poll settles before the run ends: none may write after the results close.
			const failure = (await Promise.allSettled(polls)).find(result => result.status === 'rejected');
			if (failure && !this.#detach.signal.aborted) throw failure.reason;
			if (!this.#detach.signal.aborted && this.#o.thenLive && this.#failed.size > 0) await this.#runLive();
		} catch (error) {
			if (!this.#detach.signal.aborted) this.#stopOn(error);
			await Promise.allSettled(polls);
		}
		this.#finish();
		return this.summary();
	}

	get #reattach(): string {
		return this.#o.identity.host.startsWith('simulator') ? SIM_ENDS : REATTACH;
	}

	/** The state to go on from: the one on disk (resume), else a new layout of the input. */
	async #openState(): Promise<RunState> {
		const old = await stateToResume(this.#o.statePath, Boolean(this.#o.resume), this.#o.jobs, this.#o.identity.host.startsWith('simulator'));
		if (old) {
			// `uploading` stays: that process may have died with its file already at the provider.
			for (const part of old.parts) if (!part.batchId && part.status !== 'uploading') part.status = 'preparing';
			return old;
		}
		const unsent = this.#pending.filter(job => !this.#written.has(job.spec.id));
		const state = await newState(this.#o.jobs, unsent, this.#o.identity, this.#o.limits, this.#clock.now());
		this.#save(state);
		return state;
	}

	/** Upload the part and create its batch, each step on disk before the next; false when it was not submitted. */
	async #submit(part: PartState): Promise<boolean> {
		const jobs = this.#jobsOf(part);
		if (jobs.length === 0) {
			this.#update(part, {status: 'collected', collected: true, note: 'every request already succeeded'});
			return false;
		}
		const over = this.#budget.refuses(part);
		if (over) {
			this.#skip(jobs, {kind: 'budget', status: null, code: 'budget', message: over});
			this.#update(part, {status: 'collected', note: `not submitted: ${over}`});
			return false;
		}
		const openai = this.#o.openai;
		const n = this.#state!.parts.length;
		const uploadedBefore = part.fileId != null;
		if (!part.fileId) {
			const unsure = part.status === 'uploading';
			this.#update(part, {status: 'uploading'});
			const {fileId, built} = await uploadPart(openai, jobs, `pacer-${this.#state!.runId}-${part.part}of${n}.jsonl`, {policy: this.#policy(), lookUp: unsure});
			this.#update(part, {fileId, requests: built.requests, bytes: built.bytes, sha256: built.sha256, status: 'creating'});
			await this.#o.afterStep?.('uploaded', part.part);
		}
		this.#update(part, {status: 'creating'});
		// A file from an earlier process: that one may have died between the create and its save.
		const since = Date.parse(this.#state!.createdAt);
		const batch = await createBatch(openai, part, {pacer_run: this.#state!.runId, pacer_part: `${part.part}/${n}`}, {lookUp: uploadedBefore, since, policy: this.#policy()});
		this.#update(part, {batchId: batch.id, status: batch.status, createdAt: batch.created_at * 1000});
		this.#budget.submitted(part);
		this.#sink.budgetChanged(this.#budget.figures() ?? {});
		for (const job of jobs) this.#sink.jobChanged(job.spec.id, {status: 'running', startedAt: batch.created_at * 1000});
		await this.#o.afterStep?.('created', part.part);
		return true;
	}

	/** Poll the part's batch until it ends, then collect its files. */
	async #follow(part: PartState): Promise<void> {
		const openai = this.#o.openai;
		const batch = await waitForBatch(() => openai.batches.retrieve(part.batchId!), {
			...this.#o.poll,
			policy: this.#policy(),
			sleep: ms => this.#sleep(part.part, ms),
			onBatch: seen => this.#seen(part, seen),
		});
		this.#update(part, {status: 'collecting'});
		const pending = new Map(this.#jobsOf(part).map(job => [job.spec.id, jobFacts(job)] as const));
		await collectBatch({openai, batch, pending, policy: this.#policy(), write: record => this.#write(record, 'batch'), now: () => this.#clock.now()});
		this.#update(part, {status: 'collected', collected: true});
	}

	#seen(part: PartState, batch: Batch): void {
		// A late answer (a cancel's) must not move a part that is being or was collected back.
		if (part.collected || part.status === 'collecting') return;
		const counts = batch.request_counts;
		const ended = batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at ?? null;
		const note = noteOf(batch);
		const changed = part.status !== batch.status || this.#counts.get(part.part) !== `${counts?.completed}/${counts?.failed}`;
		this.#counts.set(part.part, `${counts?.completed}/${counts?.failed}`);
		if (changed) this.#update(part, {status: batch.status, endedAt: ended ? ended * 1000 : null, note}, {completed: counts?.completed ?? 0, failed: counts?.failed ?? 0});
	}

	readonly #counts = new Map<number, string>();
	readonly #progress = new Map<number, {completed: number; failed: number}>();

	#jobsOf(part: PartState): BatchJobRequest[] {
		return this.#pending.filter(job => job.spec.line >= part.firstLine && job.spec.line <= part.lastLine && !this.#written.has(job.spec.id));
	}

	#write(record: ResultRecord, from: 'batch' | 'live'): void {
		const job = this.#byId.get(record.id);
		if (!job || this.#closed) return;
		const before = from === 'live' ? 'failed' : this.#written.has(record.id) ? null : 'queued';
		if (before === null) return;
		this.#written.add(record.id);
		this.#o.writer?.append(record);
		this.#ledger.moved(before, record.status);
		const live = from === 'live';
		this.#ledger.add(batchTotals(record, this.#o.price, !live));
		if (record.usage && record.api) this.#ledger.usedApi(record.api);
		this.#sink.jobChanged(record.id, changeOf(record, this.#o.price, !live));
		this.#sink.totalsChanged(this.#ledger.totals);
		if (record.status === 'failed' && !live) this.#failed.set(record.id, job.spec);
		this.#o.onEvent?.({type: 'finished', record, at: this.#clock.now()});
	}

	#skip(jobs: readonly BatchJobRequest[], error: NonNullable<ResultRecord['error']>): void {
		for (const job of jobs) this.#write(recordWithout(jobFacts(job), 'skipped', error, this.#unsent()), 'batch');
	}

	/** Jobs the precheck refuses end failed before anything is built, as in a live run. */
	#refuseUnsendable(): void {
		const precheck = this.#o.precheck;
		if (!precheck) return;
		for (const job of this.#pending) {
			const error = precheck(job);
			if (!error) continue;
			this.#write(recordWithout(jobFacts(job), 'failed', errorForRecord(error), this.#unsent()), 'batch');
			// Sending it live would be refused the same way.
			this.#failed.delete(job.spec.id);
		}
	}

	/** `--then-live`: what failed or expired in its batch goes through the live engine. */
	async #runLive(): Promise<void> {
		const specs = [...this.#failed.values()];
		this.#failed.clear();
		this.#o.onNotice?.(`--then-live: ${specs.length} prompt(s) that failed or expired in their batch go live`);
		const live = this.#o.thenLive!(specs, record => this.#write(record, 'live'), this.#budget.left({usd: this.#ledger.totals.costUsd, tokens: this.#ledger.totals.tokensIn + this.#ledger.totals.tokensOut}));
		try {
			await live.run();
		} finally {
			live.close();
		}
	}

	/** The context of a record for a job that was never sent. */
	#unsent(): RecordContext {
		return {batchId: '', startedAt: null, now: this.#clock.now(), attempts: 0};
	}

	/** What no retry mends stops the run: parts not yet at the provider are skipped (resume sends them), the rest stay there. */
	#stopOn(error: unknown): void {
		if (!(error instanceof ProviderError) && !(error instanceof StateFileError)) throw error;
		const info = error instanceof ProviderError ? error.info : null;
		this.#stopReason = info ? `${(error as ProviderError).what}: ${info.message}` : error.message;
		this.#stopKind = info?.kind ?? 'unexpected';
		if (this.#state?.parts.some(part => part.batchId && !part.collected)) this.#stopReason += `; ${this.#reattach}`;
		this.#detach.abort(new Error(this.#stopReason));
		for (const part of this.#state?.parts ?? []) {
			if (part.batchId || part.collected) continue;
			this.#skip(this.#jobsOf(part), {kind: this.#stopKind, status: info?.status ?? null, code: info?.code ?? null, message: `not sent: the run stopped (${this.#stopReason})`});
		}
	}

	#finish(): void {
		this.#finishedAt = this.#clock.now();
		this.#sink.runChanged({phase: 'done', finishedAt: this.#finishedAt, stopReason: this.#stopReason, stopKind: this.#stopKind});
	}

	async #sleep(part: number, ms: number): Promise<void> {
		const wake = new AbortController();
		this.#wake.set(part, wake);
		try {
			await this.#clock.sleep(ms, AbortSignal.any([this.#detach.signal, wake.signal]));
		} catch (error) {
			if (this.#detach.signal.aborted) throw error;
		} finally {
			this.#wake.delete(part);
		}
	}

	#policy(): CallPolicy {
		return {clock: this.#clock, maxRetries: this.#o.maxRetries, backoff: this.#o.backoff, signal: this.#detach.signal};
	}

	#update(part: PartState, change: Partial<PartState>, progress?: {completed: number; failed: number}): void {
		Object.assign(part, change);
		if (progress) this.#progress.set(part.part, progress);
		const step = 'fileId' in change || 'batchId' in change || 'collected' in change || change.status === 'uploading';
		if (this.#state && step) this.#save(this.#state);
		this.#publish();
	}

	#save(state: RunState): void {
		// Closed, a record may have been dropped: the state must not say what is not in --out.
		if (this.#o.statePath && !this.#closed) writeState(this.#o.statePath, state);
	}

	#publish(): void {
		if (this.#state && this.#o.onBatches) this.#o.onBatches(rowsOf(this.#state.parts, this.#progress));
	}

	/** The batches the state file names, for the dashboard and tests. */
	get parts(): readonly PartState[] {
		return this.#state?.parts ?? [];
	}

	cancelBatch(batchId: string): void {
		const part = this.#state?.parts.find(p => p.batchId === batchId);
		if (!part || part.collected) return;
		void withRetries('batches.cancel', () => this.#o.openai.batches.cancel(batchId), this.#policy())
			.then(batch => {
				this.#seen(part, batch);
				this.#wake.get(part.part)?.abort();
			})
			.catch(() => {});
	}

	detach(): void {
		if (this.#detach.signal.aborted) return;
		this.#stopReason ??= `detached: ${this.#reattach}`;
		this.#stopKind ??= 'cancelled';
		this.#sink.runChanged({phase: 'stopping', stopReason: this.#stopReason, stopKind: this.#stopKind});
		this.#detach.abort(new Error(this.#stopReason));
	}

	/** Any stop leaves the batches running: there is nothing in flight on this side to finish. */
	async stop(options: {abort?: boolean; reason?: string} = {}): Promise<void> {
		if (options.reason) this.#stopReason ??= `${options.reason}: ${this.#reattach}`;
		this.detach();
		await this.#running?.catch(() => {});
	}

	whenDone(): Promise<void> {
		return (this.#running ?? Promise.resolve()).then(() => {});
	}

	summary(): RunSummary {
		const end = this.#finishedAt ?? this.#clock.now();
		return this.#ledger.summary({
			total: this.#pending.length,
			wallMs: this.#startedAt ? end - this.#startedAt : 0,
			stopReason: this.#stopReason,
			stopKind: this.#stopKind,
			budget: this.#budget.summary(),
		});
	}

	close(): RunSummary {
		if (!this.#closed) {
			this.#closed = true;
			this.#o.writer?.close();
		}
		return this.summary();
	}

	// The provider runs the requests: no job, pause or concurrency control reaches them (`supports` says so).
	cancel(): void {}
	retry = (): boolean => false;
	retryAllFailed = (): number => 0;
	pause(): void {}
	resume(): void {}
	setConcurrency(): void {}
	/** The results file takes nothing: records are kept in memory meanwhile; nothing here to hold. */
	hold(reason: string): void {
		this.#held = reason;
	}
	release(): void {
		this.#held = null;
	}
	get held(): string | null {
		return this.#held;
	}
	readonly running = 0;
	readonly concurrency = 0;
}
