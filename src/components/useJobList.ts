import {useEffect, useMemo, useState} from 'react';
import type {JobStatus} from '../core/types.js';
import type {RunState} from '../store/runStore.js';
import {useRunView, type RunView} from './useRunView.js';

/** The status filter `f` cycles through. */
export type StatusFilter = 'all' | JobStatus;
export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'running', 'waiting', 'failed', 'cancelled', 'skipped', 'succeeded', 'queued'];

export function nextStatusFilter(current: StatusFilter): StatusFilter {
	return STATUS_FILTERS[(STATUS_FILTERS.indexOf(current) + 1) % STATUS_FILTERS.length];
}

/** How often a status-filtered list is recomputed while jobs change. */
const STATUS_REFRESH_MS = 250;

/** Ids whose id or prompt (its first 200 characters: what the store keeps) contains `query`, case-insensitive. */
export function matchText(state: Pick<RunState, 'jobs'>, query: string): readonly string[] {
	return state.jobs.matching(query.toLowerCase());
}

/**
 * The ids the table shows, in input order. With no filter this is the store's own
 * `order` (no copy, no scan). A text filter is computed once per query (and when jobs are
 * added); a status filter is recomputed at most every 250 ms while jobs change, a byte
 * compare a job.
 */
export function useJobList(view: RunView, query: string, status: StatusFilter): readonly string[] {
	const total = useRunView(view, state => state.total);
	const [stamp, setStamp] = useState(0);

	useEffect(() => {
		if (status === 'all') return;
		let seen = view.getState().version;
		const timer = setInterval(() => {
			const version = view.getState().version;
			if (version !== seen) {
				seen = version;
				setStamp(n => n + 1);
			}
		}, STATUS_REFRESH_MS);
		return () => clearInterval(timer);
	}, [view, status]);

	// `total` is the clock of these memos: the order is appended in place.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	const textIds = useMemo(() => (query ? matchText(view.getState(), query) : view.getState().order), [view, total, query]);
	return useMemo(() => {
		if (status === 'all') return textIds;
		return view.getState().jobs.withStatus(textIds, status);
		// `stamp` is the clock of this memo: it moves when jobs changed.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [view, textIds, status, stamp]);
}
