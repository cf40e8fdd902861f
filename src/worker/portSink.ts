/**
 * The run's sink inside the engine's worker: what the engine reports is gathered and
 * posted to the render thread as one batch every `flushMs`, not one message a call. The
 * dashboard's store tells React at most 15 times a second anyway; a batch every 30 ms
 * keeps the screen as fresh as before at a fraction of the messages.
 *
 * Job calls keep their order (a change after an append must land after it); the run's
 * figures are folded into their latest value. Prompts cross the port as the store keeps
 * them (their first PREVIEW_CHARS), not whole.
 */
import type {RunSummary} from '../core/ledger.js';
import type {BudgetFigures, JobSnapshot, RateFigures, RunInfo, RunSink, RunTotals} from '../core/runSink.js';
import {preview, PREVIEW_CHARS} from '../store/preview.js';
import type {DiskStatus} from '../store/runStore.js';
import type {RowPatch, SinkBatch, SinkCall} from './messages.js';

export interface PortSinkOptions {
	/** Posts one batch. */
	readonly post: (batch: SinkBatch) => void;
	/** The run's summary now (sent with each batch: the exit code is made from it). */
	readonly summary: () => RunSummary | null;
	/** @default 30 */
	readonly flushMs?: number;
	/**
	 * The dashboard already has every job's row, queued (drawn from the input for the first
	 * frame, with this model for a job naming none): a job the engine reads from the file is
	 * told as the little the row lacks. @default undefined (rows are sent whole)
	 */
	readonly rowsShown?: {readonly model: string};
}

export interface PortSink extends RunSink {
	/** The results file's state (a full disk, room again). */
	diskChanged(disk: DiskStatus | null): void;
	/** Post what is pending now (before answering a stop, at the end). */
	flush(): void;
	/** Stop the timer; later calls are posted only by `flush`. */
	dispose(): void;
}

/** The most calls one batch carries. */
const MAX_CALLS = 2000;

/**
 * What a queued row drawn from the input lacks of the job as the engine read it; null when
 * nothing (a job a stop skips is not counted: its 0 tokens would only hide the row's blank).
 */
function rowLacks(job: JobSnapshot, shownModel: string): RowPatch | null {
	const change: {-readonly [K in keyof RowPatch]: RowPatch[K]} = {};
	if (job.tokensIn) change.tokensIn = job.tokensIn;
	if (job.model !== shownModel) change.model = job.model;
	if (job.inputTruncated) {
		change.inputTruncated = true;
		change.text = preview(job.text);
	}
	if (job.inputSummarized) change.inputSummarized = true;
	return Object.keys(change).length > 0 ? change : null;
}

export function portSink(options: PortSinkOptions): PortSink {
	const flushMs = options.flushMs ?? 30;
	let calls: SinkCall[] = [];
	let totals: RunTotals | undefined;
	let rate: Partial<RateFigures> | undefined;
	let budget: Partial<BudgetFigures> | undefined;
	let run: Partial<RunInfo> | undefined;
	let disk: DiskStatus | null | undefined;
	let timer: NodeJS.Timeout | null = null;
	let disposed = false;

	const flush = () => {
		if (timer) clearTimeout(timer);
		timer = null;
		const batch: SinkBatch = {calls, totals, rate, budget, run, disk, summary: options.summary()};
		calls = [];
		totals = rate = budget = run = disk = undefined;
		options.post(batch);
	};
	const soon = () => {
		if (!timer && !disposed) timer = setTimeout(flush, flushMs);
	};
	// A stop skips every job not read yet (a thousand between two turns of the loop): its news
	// leaves in parts of MAX_CALLS, never as one message of them all.
	const pushed = () => (calls.length >= MAX_CALLS ? flush() : soon());
	const slim = (job: JobSnapshot): JobSnapshot => (job.text.length > PREVIEW_CHARS ? {...job, text: preview(job.text)} : job);

	return {
		jobsAdded(jobs) {
			const shown = options.rowsShown;
			if (!shown) calls.push(['jobsAdded', jobs.map(slim)]);
			else
				for (const job of jobs) {
					const lacks = rowLacks(job, shown.model);
					if (lacks) calls.push(['jobChanged', job.id, lacks]);
				}
			pushed();
		},
		jobChanged(id, change) {
			calls.push(['jobChanged', id, change]);
			pushed();
		},
		outputAppended(id, text, tokens) {
			calls.push(['outputAppended', id, text, tokens]);
			pushed();
		},
		totalsChanged(next) {
			totals = next;
			soon();
		},
		rateChanged(patch) {
			rate = {...rate, ...patch};
			soon();
		},
		budgetChanged(patch) {
			budget = {...budget, ...patch};
			soon();
		},
		runChanged(patch) {
			run = {...run, ...patch};
			soon();
		},
		diskChanged(next) {
			disk = next;
			soon();
		},
		flush,
		dispose() {
			disposed = true;
			if (timer) clearTimeout(timer);
			timer = null;
		},
	};
}
