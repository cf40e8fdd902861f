/**
 * How long to wait before the next attempt: the server's word first, else exponential
 * backoff with jitter. Never earlier than the server asked.
 */

import {DEFAULTS} from './defaults.js';

export interface BackoffOptions {
	/**
	 * Base delay of attempt 0, in ms.
	 * @default 1000
	 */
	readonly baseMs?: number;
	/**
	 * Largest computed delay, in ms (the server may ask for longer; see `maxServerWaitMs`).
	 * @default 32000
	 */
	readonly maxMs?: number;
	/**
	 * `full`: uniform in [0, d]; `equal`: uniform in [d/2, d].
	 * @default 'equal'
	 */
	readonly jitter?: 'full' | 'equal' | 'none';
	/** Random source in [0, 1), for tests. @default Math.random */
	readonly random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based: 0 is the wait after the first failure).
 * `retryAfterMs` is what the server asked for, if anything; a small random margin is
 * added to it so that many jobs told the same thing do not return together.
 */
export function retryDelay(attempt: number, retryAfterMs: number | null, options: BackoffOptions = {}): number {
	const base = options.baseMs ?? DEFAULTS.backoffBaseMs;
	const max = options.maxMs ?? DEFAULTS.backoffMaxMs;
	const random = options.random ?? Math.random;
	if (retryAfterMs != null && retryAfterMs >= 0) {
		// Spread the herd by up to 10% (at most 1 s), always after what the server asked.
		return Math.ceil(retryAfterMs + Math.min(1000, retryAfterMs * 0.1 + 50) * random());
	}
	const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
	switch (options.jitter ?? 'equal') {
		case 'full':
			return Math.round(ceiling * random());
		case 'none':
			return ceiling;
		default:
			return Math.round(ceiling / 2 + (ceiling / 2) * random());
	}
}
