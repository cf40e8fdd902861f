/** The store as a run's sink: what the engine reports becomes the dashboard's state. */
import type {RunSink} from '../core/runSink.js';
import type {RunStore} from './runStore.js';

export function storeSink(store: RunStore): RunSink {
	const state = () => store.getState();
	return {
		jobsAdded: jobs => state().addViews(jobs),
		jobChanged: (id, change) => state().updateJob(id, change),
		outputAppended: (id, text, tokens) => state().appendOutput(id, text, tokens),
		totalsChanged: totals => state().setTotals(totals),
		rateChanged: rate => state().setRate(rate),
		budgetChanged: budget => state().setBudget(budget),
		runChanged: run => state().setRun(run),
	};
}
