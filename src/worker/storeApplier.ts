/** A batch of the worker's sink calls, applied to the dashboard's store through its own actions. */
import type {RunStore} from '../store/runStore.js';
import type {SinkBatch} from './messages.js';

export function applyBatch(store: RunStore, batch: SinkBatch): void {
	const state = store.getState();
	for (const call of batch.calls) {
		switch (call[0]) {
			case 'jobsAdded':
				state.addViews(call[1]);
				break;
			case 'jobChanged':
				state.updateJob(call[1], call[2]);
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
}
