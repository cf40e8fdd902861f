import {useEffect, useState} from 'react';
import type {Clock} from '../core/types.js';

/** Something that says when the screen is about to be redrawn anyway (the throttled run view). */
export interface Redraws {
	subscribe(listener: () => void): () => void;
}

/**
 * The injected clock's time, for countdowns and elapsed time. It moves with every redraw
 * of `redraws`, and on its own every `intervalMs` only when no redraw came for that long,
 * so a busy run gets no extra frames from the clock. Nothing moves while `active` is false.
 */
export function useNow(clock: Clock, intervalMs: number, active = true, redraws?: Redraws): number {
	const [now, setNow] = useState(() => clock.now());
	useEffect(() => {
		setNow(clock.now());
		if (!active) return;
		let last = clock.now();
		const refresh = () => {
			last = clock.now();
			setNow(last);
		};
		const unsubscribe = redraws?.subscribe(refresh);
		const timer = setInterval(() => {
			if (clock.now() - last >= intervalMs) refresh();
		}, Math.max(10, Math.floor(intervalMs / 2)));
		return () => {
			unsubscribe?.();
			clearInterval(timer);
		};
	}, [clock, intervalMs, active, redraws]);
	return now;
}
