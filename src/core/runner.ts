/**
 * The runner seam: how a batch is executed (the streaming engine here; the Batch API's
 * upload, poll and collect later). The CLI, the library and the dashboard hold a runner,
 * never a concrete engine: they start it, steer it through its controls, hear it through
 * its sink, and read its summary.
 */
import type {RunControls} from './controls.js';
import type {RunSummary} from './ledger.js';
import type {ConcurrencyMode} from './types.js';

export interface Runner extends RunControls {
	/** Run every job; resolves when each has ended. */
	run(): Promise<RunSummary>;
	/** Resolves the next time every job has ended (a retry from the dashboard restarts it). */
	whenDone(): Promise<void>;
	summary(): RunSummary;
	/** Flush what is pending and close the results. Call once, after the run. */
	close(): RunSummary;
	/**
	 * Hold dispatching for a reason of the run's own (its results cannot be written): work
	 * under way finishes, nothing new starts. Unlike `pause`, a user's resume does not lift it.
	 */
	hold(reason: string): void;
	release(): void;
	/** Why dispatching is held, or null. */
	readonly held: string | null;
	/** Jobs running now (in flight). */
	readonly running: number;
	/** Requests that may be in flight now, and who sets that. */
	readonly concurrency: number;
	readonly concurrencyMode: ConcurrencyMode;
}
