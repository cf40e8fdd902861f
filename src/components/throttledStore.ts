/**
 * A read-only view of a store that tells its listeners at most once per interval.
 *
 * The engine may change the run store thousands of times a second; React should not
 * re-render that often. Components subscribe to this view instead: the first change
 * after a quiet spell is passed on at once, later ones are folded into one update at
 * the end of the interval. `flush()` passes a pending change on now (after a keypress,
 * so its effect shows without waiting for the interval).
 *
 * The interval stretches when drawing is dear: a publication's cost (the listeners and
 * the render React does in the microtasks they queue) may take at most a quarter of the
 * thread, so a frame that took 40 ms waits 160 ms for the next. On a loaded machine the
 * dashboard then draws fewer frames instead of starving the keys and the engine of time;
 * a keypress's `flush()` is never held back.
 */
import type {StoreApi} from 'zustand/vanilla';

export interface ThrottledStore<T> {
	getState(): T;
	getInitialState(): T;
	subscribe(listener: (state: T, previous: T) => void): () => void;
	/** Tell listeners about a pending change now. */
	flush(): void;
	/** Stop listening to the source. */
	dispose(): void;
}

/** The share of the thread drawing may take before frames are spaced further apart. */
const FRAME_SHARE = 0.25;
/** However dear a frame, the screen still moves at least this often. */
const MAX_INTERVAL_MS = 500;

export function throttleStore<T>(source: StoreApi<T>, intervalMs: number): ThrottledStore<T> {
	const listeners = new Set<(state: T, previous: T) => void>();
	let published = source.getState();
	let dirty = false;
	/** A publication's interval is running (or about to): changes meanwhile wait for its end. */
	let spacing = false;
	let disposed = false;
	let timer: NodeJS.Timeout | null = null;

	const publish = () => {
		dirty = false;
		spacing = true;
		const previous = published;
		published = source.getState();
		const started = performance.now();
		for (const listener of listeners) listener(published, previous);
		// Queued after the listeners' own microtasks (React's render of this state), so it runs once they are done.
		queueMicrotask(() => {
			if (disposed) return;
			const cost = performance.now() - started;
			const interval = Math.min(Math.max(intervalMs, MAX_INTERVAL_MS), Math.max(intervalMs, cost / FRAME_SHARE));
			if (timer) clearTimeout(timer);
			timer = setTimeout(tick, interval);
		});
	};
	const tick = () => {
		timer = null;
		if (dirty) publish();
		else spacing = false;
	};
	const unsubscribe = source.subscribe(() => {
		dirty = true;
		if (!spacing) publish();
	});

	return {
		getState: () => published,
		getInitialState: () => source.getInitialState(),
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		flush() {
			if (dirty) publish();
		},
		dispose() {
			disposed = true;
			unsubscribe();
			if (timer) clearTimeout(timer);
			timer = null;
			listeners.clear();
		},
	};
}
