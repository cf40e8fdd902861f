/**
 * The run's state: a zustand vanilla store. The engine writes through the actions,
 * the dashboard reads. No React here.
 *
 * Built for 100,000 jobs and more: the jobs are a table of columns (./jobColumns.ts)
 * updated in place, `order` is appended in place, and every counter is kept
 * incrementally. No action does O(n) work. Nothing in a job's row changes identity, so
 * the dashboard selects `version` (a primitive) and reads the few rows it draws.
 */
import {createStore, type StoreApi} from 'zustand/vanilla';
import {emptyCounts, emptyTotals} from '../core/ledger.js';
import {queuedSnapshot, type BudgetFigures, type JobSnapshot, type RateFigures, type RunInfo, type RunTotals, type StatusCounts} from '../core/runSink.js';
import type {JobSpec, JobStatus} from '../core/types.js';
import {DEFAULTS} from '../core/defaults.js';
import type {ClusterFigures} from '../redis/cluster.js';
import type {BatchRow} from '../batch/batchRow.js';
import {JobColumns, type JobPatch, type JobView} from './jobColumns.js';

export type {JobView} from './jobColumns.js';
export {JobColumns} from './jobColumns.js';
export type Totals = RunTotals;
export type {BudgetFigures, RateFigures, RunInfo, RunPhase, StatusCounts} from '../core/runSink.js';
export type {ClusterFigures, WorkerFigures} from '../redis/cluster.js';
export type {BatchRow, BatchStatus} from '../batch/batchRow.js';

/** A run on a shared queue (`--queue`): who works on it and how the shared budget is used. */
export interface ClusterState {
	/** Null until the first read of the cluster. */
	readonly figures: ClusterFigures | null;
	/** The last thing said about the connection (Redis lost, back), or null. */
	readonly note: string | null;
}

/** The results file, when it is not simply taking every record (DESIGN.md: a full disk is not a bug). */
export interface DiskStatus {
	/** `held`: writes fail, dispatching is on hold; `recovered`: they go through again; `recreated`: the file was made again. */
	readonly state: 'held' | 'recovered' | 'recreated';
	readonly path: string;
	/** What went wrong, with the errno code and the free space. */
	readonly message: string;
	/** Records kept in memory while held; written (or copied back) once recovered or recreated. */
	readonly records: number;
	/** Epoch ms of the first failed write (or of the re-creation). */
	readonly since: number;
	/** Epoch ms writes went through again. */
	readonly until: number | null;
}

export interface RunState {
	/** The jobs; the same table for the whole run, changed in place. */
	readonly jobs: JobColumns;
	/** Ids in input order: the table's own list, appended in place (`total` says when it grew). */
	readonly order: readonly string[];
	/** Jobs in `order`: a new number when jobs were added. */
	readonly total: number;
	/** Bumped on every change to any job; cheap "something changed" signal. */
	readonly version: number;
	readonly counts: StatusCounts;
	readonly totals: Totals;
	readonly rate: RateFigures;
	readonly budget: BudgetFigures;
	readonly run: RunInfo;
	readonly disk: DiskStatus | null;
	/** Null for a run of one process; set by the wiring of a collector. */
	readonly cluster: ClusterState | null;
	/** The batches of a `--batch-api` run, by part; null for a run that is not one. */
	readonly batches: readonly BatchRow[] | null;
}

export interface RunActions {
	addJobs(specs: readonly JobSpec[], defaults: {model: string; tokensIn?: (spec: JobSpec) => number | null}): void;
	updateJob(id: string, patch: JobPatch): void;
	/** Jobs as a run reports them (the engine's sink); they may come in chunks. */
	addViews(views: readonly JobSnapshot[]): void;
	/** Append streamed text and tokens to a running job (called batched, not per SSE event); the run's totals come apart. */
	appendOutput(id: string, text: string, tokens: number): void;
	/** The run's totals, whole, as its ledger keeps them. */
	setTotals(totals: Totals): void;
	setRate(patch: Partial<RateFigures>): void;
	setBudget(patch: Partial<BudgetFigures>): void;
	setRun(patch: Partial<RunInfo>): void;
	setDisk(disk: DiskStatus | null): void;
	setCluster(patch: Partial<ClusterState>): void;
	/** The whole list, as the batch runner last saw it (a new array on every change). */
	setBatches(rows: readonly BatchRow[]): void;
}

export type RunStore = StoreApi<RunState & RunActions>;

export {emptyCounts};

export function newJobView(spec: JobSpec, model: string, tokensIn: number | null): JobSnapshot {
	return queuedSnapshot({id: spec.id, line: spec.line, text: spec.text, model, tokensIn, inputTruncated: spec.inputTruncated});
}

export function createRunStore(init: Partial<Pick<RunState, 'run' | 'rate' | 'budget'>> = {}): RunStore {
	// The table is owned by the store and changed in place; see the file comment.
	const jobs = new JobColumns();
	const counts = emptyCounts();
	/** Counters move in place too; the state gets a copy (ten numbers) with each change of status. */
	const moved = (left: JobStatus | null, to: JobStatus | undefined) => {
		if (left == null || to == null) return false;
		counts[left]--;
		counts[to]++;
		return true;
	};
	return createStore<RunState & RunActions>()((set, get) => {
		const add = (views: readonly JobSnapshot[]) => {
			for (const view of views) {
				const {added, left} = jobs.add(view);
				if (added) counts[view.status]++;
				else moved(left, jobs.status(view.id));
			}
			set({total: jobs.size, counts: {...counts}, version: get().version + 1});
		};
		return {
			jobs,
			order: jobs.ids,
			total: 0,
			version: 0,
			counts: {...counts},
			totals: emptyTotals,
			rate: {rpmNow: 0, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null, concurrency: DEFAULTS.autoConcurrencyStart, concurrencyMode: 'auto', maxConcurrency: DEFAULTS.maxConcurrency, ...init.rate},
			budget: {tokens: null, usd: null, spentTokens: 0, spentUsd: 0, ...init.budget},
			run: {phase: 'idle', model: '', endpoint: '', startedAt: null, finishedAt: null, stopReason: null, stopKind: null, ...init.run},
			disk: null,
			cluster: null,
			batches: null,

			addViews: add,

			addJobs(specs, defaults) {
				add(specs.map(spec => newJobView(spec, spec.model ?? defaults.model, defaults.tokensIn?.(spec) ?? null)));
			},

			updateJob(id, patch) {
				const left = jobs.update(id, patch);
				if (moved(left, patch.status)) set({counts: {...counts}, version: get().version + 1});
				else if (jobs.has(id)) set({version: get().version + 1});
			},

			appendOutput(id, text, tokens) {
				if (jobs.appendOutput(id, text, tokens)) set({version: get().version + 1});
			},

			setTotals(totals) {
				set({totals});
			},

			setRate(patch) {
				set({rate: {...get().rate, ...patch}});
			},

			setBudget(patch) {
				set({budget: {...get().budget, ...patch}});
			},

			setRun(patch) {
				set({run: {...get().run, ...patch}});
			},

			setDisk(disk) {
				set({disk});
			},

			setCluster(patch) {
				set({cluster: {figures: null, note: null, ...get().cluster, ...patch}});
			},

			setBatches(rows) {
				set({batches: rows});
			},
		};
	});
}
