/**
 * A read-only view of a store that tells its listeners at most once per interval.
 *
 * The engine may change the run store thousands of times a second; React should not
 * re-render that often. Components subscribe to this view instead: the first change
 * after a quiet spell is passed on at once, later ones are folded into one update at
 * the end of the interval. `flush()` passes a pending change on now (after a keypress,
 * so its effect shows without waiting for the interval).
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

export function throttleStore<T>(source: StoreApi<T>, intervalMs: number): ThrottledStore<T> {
	const listeners = new Set<(state: T, previous: T) => void>();
	let published = source.getState();
	let dirty = false;
	let timer: NodeJS.Timeout | null = null;

	const publish = () => {
		dirty = false;
		const previous = published;
		published = source.getState();
		for (const listener of listeners) listener(published, previous);
	};
	const tick = () => {
		if (dirty) {
			publish();
			timer = setTimeout(tick, intervalMs);
		} else {
			timer = null;
		}
	};
	const unsubscribe = source.subscribe(() => {
		dirty = true;
		if (timer) return;
		publish();
		timer = setTimeout(tick, intervalMs);
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
			unsubscribe();
			if (timer) clearTimeout(timer);
			timer = null;
			listeners.clear();
		},
	};
}
