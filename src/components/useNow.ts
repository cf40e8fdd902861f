import {useEffect, useState} from 'react';
import type {Clock} from '../core/types.js';

/**
 * The injected clock's time, re-read every `intervalMs` while `active` (countdowns and
 * elapsed time move; an idle screen does not re-render).
 */
export function useNow(clock: Clock, intervalMs: number, active = true): number {
	const [now, setNow] = useState(() => clock.now());
	useEffect(() => {
		setNow(clock.now());
		if (!active) return;
		const timer = setInterval(() => setNow(clock.now()), intervalMs);
		return () => clearInterval(timer);
	}, [clock, intervalMs, active]);
	return now;
}
