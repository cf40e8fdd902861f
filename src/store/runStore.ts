/**
 * The run's state: a zustand vanilla store. The engine writes through the actions,
 * the dashboard reads. No React here: components bind to it through useRunView.ts.
 *
 * Built for 100,000 jobs: jobs live in a Map that is updated in place (each changed job
 * is a new object, so a row's selector sees the change), `order` is fixed after
 * `addJobs`, and every counter is kept incrementally. No action does O(n) work.
 */
import {createStore, type StoreApi} from 'zustand/vanilla';
import type {LimitSource} from '../core/limiter.js';
import type {AttemptInfo, ConcurrencyMode, ErrorInfo, JobSpec, JobStatus, Usage} from '../core/types.js';

export interface JobView {
	readonly id: string;
	readonly line: number;
	/** The prompt as text. */
	readonly text: string;
	readonly model: string;
	readonly status: JobStatus;
	/** Attempts started so far. */
	readonly attempts: number;
	/** Epoch ms of the next attempt while `waiting`. */
	readonly retryAt: number | null;
	/** Input tokens: the estimate until the API's usage replaces it. */
	readonly tokensIn: number | null;
	/** Output tokens: counted up from the stream's deltas, then replaced by the API's usage. */
	readonly tokensOut: number;
	readonly usage: Usage | null;
	/** The reply so far. */
	readonly output: string;
	readonly truncated: boolean;
	readonly inputTruncated: boolean;
	readonly error: ErrorInfo | null;
	readonly history: readonly AttemptInfo[];
	/** Epoch ms the current (or last) attempt started. */
	readonly startedAt: number | null;
	readonly finishedAt: number | null;
	readonly latencyMs: number | null;
	readonly requestId: string | null;
	/** Cost in USD of this job so far; null when the model's price is unknown. */
	readonly costUsd: number | null;
}

export type RunPhase = 'idle' | 'running' | 'paused' | 'stopping' | 'done';

export type StatusCounts = Record<JobStatus, number>;

export interface Totals {
	readonly tokensIn: number;
	readonly tokensOut: number;
	readonly cachedTokens: number;
	readonly reasoningTokens: number;
	/** Attempts started, all jobs. */
	readonly attempts: number;
	/** Retries scheduled. */
	readonly retries: number;
	/** 429 answers with kind rate_limit. */
	readonly rateLimited: number;
	/** Jobs whose reply was cut at max_output_tokens. */
	readonly truncated: number;
	/** USD spent on jobs with a known price. */
	readonly costUsd: number;
	/** Jobs that spent tokens on a model without a known price: cost is then partly unknown. */
	readonly unpricedJobs: number;
}

export interface RateFigures {
	/** Requests started in the last 60 s. */
	readonly rpmNow: number;
	/** Tokens (input + output) charged in the last 60 s. */
	readonly tpmNow: number;
	readonly rpmLimit: number | null;
	readonly tpmLimit: number | null;
	/** Where the limits came from. */
	readonly limitSource: LimitSource;
	/** Requests that may be in flight now: a ceiling the user fixed, or where auto has it. */
	readonly concurrency: number;
	readonly concurrencyMode: ConcurrencyMode;
	/** How far auto may go (`--max-concurrency`). */
	readonly maxConcurrency: number;
}

export interface BudgetFigures {
	readonly tokens: number | null;
	readonly usd: number | null;
	readonly spentTokens: number;
	readonly spentUsd: number;
}

export interface RunInfo {
	readonly phase: RunPhase;
	readonly model: string;
	/** What the header names as the endpoint: `simulator flaky · seed 7`, or a host. */
	readonly endpoint: string;
	readonly startedAt: number | null;
	readonly finishedAt: number | null;
	/** Why the run stopped early (quota, auth, unknown model, signal, ...). */
	readonly stopReason: string | null;
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
	readonly jobs: ReadonlyMap<string, JobView>;
	readonly order: readonly string[];
	/** Bumped on every change to any job; cheap "something changed" signal. */
	readonly version: number;
	readonly counts: StatusCounts;
	readonly totals: Totals;
	readonly rate: RateFigures;
	readonly budget: BudgetFigures;
	readonly run: RunInfo;
	readonly disk: DiskStatus | null;
}

export interface RunActions {
	addJobs(specs: readonly JobSpec[], defaults: {model: string; tokensIn?: (spec: JobSpec) => number | null}): void;
	updateJob(id: string, patch: Partial<Omit<JobView, 'id'>>): void;
	/** Append streamed text and tokens to a running job (called batched, not per SSE event). */
	appendOutput(id: string, text: string, tokens: number): void;
	addTotals(delta: Partial<Totals>): void;
	setRate(patch: Partial<RateFigures>): void;
	setBudget(patch: Partial<BudgetFigures>): void;
	setRun(patch: Partial<RunInfo>): void;
	setDisk(disk: DiskStatus | null): void;
}

export type RunStore = StoreApi<RunState & RunActions>;

export const emptyCounts = (): StatusCounts => ({
	queued: 0,
	running: 0,
	waiting: 0,
	succeeded: 0,
	failed: 0,
	cancelled: 0,
	skipped: 0,
});

const emptyTotals: Totals = {
	tokensIn: 0,
	tokensOut: 0,
	cachedTokens: 0,
	reasoningTokens: 0,
	attempts: 0,
	retries: 0,
	rateLimited: 0,
	truncated: 0,
	costUsd: 0,
	unpricedJobs: 0,
};

export function newJobView(spec: JobSpec, model: string, tokensIn: number | null): JobView {
	return {
		id: spec.id,
		line: spec.line,
		text: spec.text,
		model,
		status: 'queued',
		attempts: 0,
		retryAt: null,
		tokensIn,
		tokensOut: 0,
		usage: null,
		output: '',
		truncated: false,
		inputTruncated: spec.inputTruncated ?? false,
		error: null,
		history: [],
		startedAt: null,
		finishedAt: null,
		latencyMs: null,
		requestId: null,
		costUsd: null,
	};
}

export function createRunStore(init: Partial<Pick<RunState, 'run' | 'rate' | 'budget'>> = {}): RunStore {
	// The Map is owned by the store and mutated in place; see the file comment.
	const jobs = new Map<string, JobView>();
	return createStore<RunState & RunActions>()((set, get) => ({
		jobs,
		order: [],
		version: 0,
		counts: emptyCounts(),
		totals: emptyTotals,
		rate: {rpmNow: 0, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null, concurrency: 4, concurrencyMode: 'auto', maxConcurrency: 64, ...init.rate},
		budget: {tokens: null, usd: null, spentTokens: 0, spentUsd: 0, ...init.budget},
		run: {phase: 'idle', model: '', endpoint: '', startedAt: null, finishedAt: null, stopReason: null, ...init.run},
		disk: null,

		addJobs(specs, defaults) {
			const order = [...get().order];
			for (const spec of specs) {
				jobs.set(spec.id, newJobView(spec, spec.model ?? defaults.model, defaults.tokensIn?.(spec) ?? null));
				order.push(spec.id);
			}
			const counts = {...get().counts, queued: get().counts.queued + specs.length};
			set({order, counts, version: get().version + 1});
		},

		updateJob(id, patch) {
			const before = jobs.get(id);
			if (!before) return;
			const after: JobView = {...before, ...patch};
			jobs.set(id, after);
			const state = get();
			if (patch.status && patch.status !== before.status) {
				const counts = {...state.counts};
				counts[before.status]--;
				counts[after.status]++;
				set({counts, version: state.version + 1});
			} else {
				set({version: state.version + 1});
			}
		},

		appendOutput(id, text, tokens) {
			const before = jobs.get(id);
			if (!before) return;
			jobs.set(id, {...before, output: before.output + text, tokensOut: before.tokensOut + tokens});
			const state = get();
			set({version: state.version + 1, totals: {...state.totals, tokensOut: state.totals.tokensOut + tokens}});
		},

		addTotals(delta) {
			const totals = {...get().totals};
			for (const [key, value] of Object.entries(delta) as Array<[keyof Totals, number]>) {
				(totals as Record<keyof Totals, number>)[key] += value;
			}
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
	}));
}
