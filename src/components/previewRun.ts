/**
 * The dashboard before its run is ready: the input's jobs, queued, in a store of their
 * own, and controls that keep what a person asks for until the engine exists. Preparing
 * a run (the results file, the SDK, counting every prompt's tokens) takes longer than
 * drawing it; the first frame does not wait for it.
 */
import type {ControlSupport, RunControls} from '../core/controls.js';
import type {JobSpec} from '../core/types.js';
import {createRunStore, type RunStore} from '../store/runStore.js';

/** What the first frame shows of a run still being prepared. */
export interface RunPreview {
	/** Walked once, a chunk at a time: a file read as it goes is never held whole. */
	readonly jobs: Iterable<JobSpec>;
	/** The model of a job that names none. */
	readonly model: string;
	/** What the header shows as the endpoint. @default '' */
	readonly endpoint?: string;
	/** The run's `concurrency`. @default 'auto' */
	readonly concurrency?: number | 'auto';
	readonly maxConcurrency?: number;
}

/** Jobs added to the store at once: the specs of one chunk are all that is held of the input. */
const PREVIEW_CHUNK = 4096;

/** A store with every job queued and no token counts yet (the run's own store has them). */
export function previewStore(preview: RunPreview): RunStore {
	const store = createRunStore();
	const state = store.getState();
	// Running, not idle: the run starts by itself once prepared, and the keys act as in a
	// running run (p pauses it before its first request).
	state.setRun({phase: 'running', model: preview.model, endpoint: preview.endpoint ?? ''});
	if (typeof preview.concurrency === 'number') state.setRate({concurrency: preview.concurrency, concurrencyMode: 'fixed'});
	if (preview.maxConcurrency != null) state.setRate({maxConcurrency: preview.maxConcurrency});
	let chunk: JobSpec[] = [];
	for (const spec of preview.jobs) {
		chunk.push(spec);
		if (chunk.length === PREVIEW_CHUNK) {
			state.addJobs(chunk, {model: preview.model});
			chunk = [];
		}
	}
	if (chunk.length > 0) state.addJobs(chunk, {model: preview.model});
	return store;
}

/** Controls that queue every call until `attach`, then pass them on. */
export interface DeferredControls extends RunControls {
	/** Replay what was asked, in order, on `target`; later calls go straight to it. */
	attach(target: RunControls): void;
}

/** Only a live run is drawn before it is ready, and a live run supports every control. */
const LIVE: ControlSupport = {jobs: true, pause: true, concurrency: true};

export function deferredControls(supports: ControlSupport = LIVE): DeferredControls {
	let target: RunControls | null = null;
	const queued: Array<(controls: RunControls) => void> = [];
	const call = (act: (controls: RunControls) => void) => {
		if (target) act(target);
		else queued.push(act);
	};
	return {
		supports,
		attach(controls) {
			target = controls;
			for (const act of queued.splice(0)) act(controls);
		},
		cancel: id => call(c => c.cancel(id)),
		// Nothing has failed before the run exists.
		retry: id => (target ? target.retry(id) : false),
		retryAllFailed: () => (target ? target.retryAllFailed() : 0),
		pause: () => call(c => c.pause()),
		resume: () => call(c => c.resume()),
		setConcurrency: n => call(c => c.setConcurrency(n)),
		stop: options => (target ? target.stop(options) : new Promise<void>((resolve, reject) => queued.push(c => c.stop(options).then(resolve, reject)))),
	};
}
