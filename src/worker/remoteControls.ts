/**
 * The engine in its worker, as the dashboard's session and keys see a runner: each control
 * goes to the worker as a message. The few answers a key needs at once (could this job be
 * retried, how many failed jobs were queued again) are read from the dashboard's store,
 * which holds what the engine last said of every job, as the engine itself would decide them.
 */
import type {ControlSupport, RunControls} from '../core/controls.js';
import type {RunSummary} from '../core/ledger.js';
import type {RunStore} from '../store/runStore.js';
import type {Runner} from '../core/runner.js';
import type {ToWorker} from './messages.js';

const LIVE: ControlSupport = {jobs: true, pause: true, concurrency: true};
const RETRIABLE = new Set(['failed', 'cancelled', 'skipped']);

export class RemoteControls implements RunControls, Pick<Runner, 'run' | 'stop' | 'summary'> {
	readonly supports = LIVE;
	readonly #post: (message: ToWorker) => void;
	readonly #store: RunStore;
	readonly #stops = new Map<number, () => void>();
	#nextStop = 0;
	#summary: RunSummary;
	#ran: {resolve: (summary: RunSummary) => void; reject: (error: unknown) => void} | null = null;

	constructor(post: (message: ToWorker) => void, store: RunStore, summary: RunSummary) {
		this.#post = post;
		this.#store = store;
		this.#summary = summary;
	}

	run(): Promise<RunSummary> {
		return new Promise((resolve, reject) => {
			this.#ran = {resolve, reject};
			this.#post({type: 'run'});
		});
	}

	summary(): RunSummary {
		return this.#summary;
	}

	cancel(id: string): void {
		this.#post({type: 'cancel', id, status: this.#store.getState().jobs.status(id)});
	}

	retry(id: string): boolean {
		const state = this.#store.getState();
		// The engine refuses a retry once the run is stopping (a stop always leaves its reason).
		if (state.run.stopReason != null || !RETRIABLE.has(state.jobs.status(id) ?? '')) return false;
		this.#post({type: 'retry', id});
		return true;
	}

	retryAllFailed(): number {
		const state = this.#store.getState();
		if (state.run.stopReason != null) return 0;
		const n = state.counts.failed;
		if (n > 0) this.#post({type: 'retryAllFailed'});
		return n;
	}

	pause(): void {
		this.#post({type: 'pause'});
	}

	resume(): void {
		this.#post({type: 'resume'});
	}

	setConcurrency(n: number | 'auto'): void {
		this.#post({type: 'setConcurrency', n});
	}

	stop(options: {abort?: boolean; reason?: string} = {}): Promise<void> {
		const seq = this.#nextStop++;
		return new Promise(resolve => {
			this.#stops.set(seq, resolve);
			this.#post({type: 'stop', seq, abort: options.abort, reason: options.reason});
		});
	}

	/** The worker's news: the summary of its latest batch, a stop or the run that ended. */
	summarized(summary: RunSummary): void {
		this.#summary = summary;
	}

	stopped(seq: number): void {
		this.#stops.get(seq)?.();
		this.#stops.delete(seq);
	}

	ran(): void {
		this.#ran?.resolve(this.#summary);
	}

	runFailed(error: unknown): void {
		this.#ran?.reject(error);
	}
}
