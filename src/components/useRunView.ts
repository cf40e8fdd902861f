import {useStore} from 'zustand';
import type {RunState} from '../store/runStore.js';

/**
 * What components read the run from: the run store itself, or (in the dashboard) its
 * throttled view, so that React renders a few times a second however fast the engine writes.
 */
export interface RunView {
	getState(): RunState;
	getInitialState(): RunState;
	subscribe(listener: (state: RunState, previous: RunState) => void): () => void;
}

/** Select from the run; the selector returns a primitive or an object the store keeps stable. */
export function useRunView<T>(view: RunView, selector: (state: RunState) => T): T {
	return useStore(view, selector);
}
