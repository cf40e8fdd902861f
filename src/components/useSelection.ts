import {useCallback, useMemo, useRef, useState} from 'react';

export interface Selection {
	/** Index of the selected job in `ids`; 0 when the list is empty. */
	readonly index: number;
	readonly selectedId: string | null;
	/** First visible index: the view scrolls only as far as needed to keep the selection in sight. */
	readonly offset: number;
	moveBy(delta: number): void;
	moveTo(index: number): void;
}

interface State {
	readonly index: number;
	readonly id: string | null;
	readonly offset: number;
}

const clamp = (n: number, low: number, high: number) => Math.max(low, Math.min(high, n));

/** Scroll offset that keeps `index` visible, moving as little as possible from `offset`. */
export function followOffset(offset: number, index: number, pageSize: number, length: number): number {
	const size = Math.max(1, pageSize);
	const kept = clamp(offset, index - size + 1, index);
	return clamp(kept, 0, Math.max(0, length - size));
}

/**
 * The selected job of a list that changes under it: the selection sticks to its job's id
 * while the job stays in the list, else keeps its place.
 */
export function useSelection(ids: readonly string[], pageSize: number): Selection {
	const [state, setState] = useState<State>({index: 0, id: null, offset: 0});
	const latest = useRef({ids, pageSize});
	latest.current = {ids, pageSize};

	// indexOf only when the list changed under the selected id, not on every render.
	const index = useMemo(() => {
		if (ids.length === 0) return 0;
		if (state.id !== null && ids[state.index] !== state.id) {
			const found = ids.indexOf(state.id);
			if (found >= 0) return found;
		}
		return clamp(state.index, 0, ids.length - 1);
	}, [ids, state]);

	const moveTo = useCallback((target: number) => {
		setState(previous => {
			const {ids: list, pageSize: size} = latest.current;
			if (list.length === 0) return {index: 0, id: null, offset: 0};
			const next = clamp(target, 0, list.length - 1);
			return {index: next, id: list[next] ?? null, offset: followOffset(previous.offset, next, size, list.length)};
		});
	}, []);
	const moveBy = useCallback(
		(delta: number) => {
			setState(previous => {
				const {ids: list, pageSize: size} = latest.current;
				if (list.length === 0) return previous;
				let from = clamp(previous.index, 0, list.length - 1);
				if (previous.id !== null && list[from] !== previous.id) {
					const found = list.indexOf(previous.id);
					if (found >= 0) from = found;
				}
				const next = clamp(from + delta, 0, list.length - 1);
				return {index: next, id: list[next] ?? null, offset: followOffset(previous.offset, next, size, list.length)};
			});
		},
		[],
	);

	return {
		index,
		selectedId: ids[index] ?? null,
		offset: followOffset(state.offset, index, pageSize, ids.length),
		moveBy,
		moveTo,
	};
}
