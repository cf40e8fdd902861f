/** The React binding of the run store. Only components import this file. */
import {useStore} from 'zustand';
import type {RunActions, RunState, RunStore} from './runStore.js';

/** Select from the run store; the selector should return a primitive or a stable object. */
export function useRunStore<T>(store: RunStore, selector: (state: RunState & RunActions) => T): T {
	return useStore(store, selector);
}
