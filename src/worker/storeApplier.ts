/**
 * A batch of the worker's sink calls, applied to the dashboard's store through its own
 * actions. Errors are interned: a stop skips every job not yet sent with the same error,
 * and each crossed the port as a copy of its own (100,000 of them at a quit).
 */
import type {ErrorInfo} from '../core/types.js';
import type {RunStore} from '../store/runStore.js';
import type {RowPatch, SinkBatch} from './messages.js';

/** Distinct errors kept for interning; past this many the table starts again. */
const MAX_INTERNED = 1024;
/** kind, status, code, message, retryable, retryAfterMs. */
const PLAIN_FIELDS = 6;

export interface StoreApplier {
	apply(batch: SinkBatch): void;
}

export function storeApplier(store: RunStore): StoreApplier {
	const errors = new Map<string, ErrorInfo>();
	const interned = (error: ErrorInfo): ErrorInfo => {
		// Only a plain error: one with more (rate-limit figures) is kept as it came.
		if (Object.keys(error).length !== PLAIN_FIELDS) return error;
		const key = `${error.kind}\u0000${error.status}\u0000${error.code}\u0000${error.retryAfterMs}\u0000${error.message}`;
		const known = errors.get(key);
		if (known && known.retryable === error.retryable) return known;
		if (errors.size >= MAX_INTERNED) errors.clear();
		errors.set(key, error);
		return error;
	};
	const withInterned = (change: RowPatch): RowPatch => (change.error ? {...change, error: interned(change.error)} : change);
	return {
		apply(batch) {
			const state = store.getState();
			for (const call of batch.calls) {
				switch (call[0]) {
					case 'jobsAdded':
						state.addViews(call[1]);
						break;
					case 'jobChanged':
						state.updateJob(call[1], withInterned(call[2]));
						break;
					case 'outputAppended':
						state.appendOutput(call[1], call[2], call[3]);
						break;
				}
			}
			if (batch.totals) state.setTotals(batch.totals);
			if (batch.rate) state.setRate(batch.rate);
			if (batch.budget) state.setBudget(batch.budget);
			if (batch.run) state.setRun(batch.run);
			if (batch.disk !== undefined) state.setDisk(batch.disk);
		},
	};
}
