/**
 * Driving code that sleeps on a ManualClock. Time jumps from one sleeper's wake-up to the
 * next, and stands still while anything is `busy` (an attempt waiting for its loopback
 * reply), so a reply takes no time on the clock and every time a test reads is exact,
 * however loaded the machine is.
 */
import type {ManualClock} from '../../src/core/clock.js';
import {delay, WaitTimeoutError} from './wait.js';

export interface AdvanceOptions {
	/** While true, real work is under way (a request in flight): time does not move. @default never busy */
	readonly busy?: () => boolean;
	/** Most time to move the clock before giving up, in ms. @default 3_600_000 */
	readonly maxMs?: number;
	/** Most real time to spend, in ms. @default 15_000 */
	readonly realTimeoutMs?: number;
	/** What the state was when giving up, for the error message. */
	readonly seen?: () => string;
}

/**
 * Moves `clock` on until `condition` holds; throws a WaitTimeoutError naming `what` when
 * the clock would pass `maxMs`, when the real time is up, or when nothing sleeps and
 * nothing is busy, so nothing could ever make it hold.
 */
export async function advanceUntil(clock: ManualClock, condition: () => boolean, what: string, options: AdvanceOptions = {}): Promise<void> {
	const busy = options.busy ?? (() => false);
	const maxMs = options.maxMs ?? 3_600_000;
	const realTimeoutMs = options.realTimeoutMs ?? 15_000;
	const start = clock.now();
	const realEnd = performance.now() + realTimeoutMs;
	const fail = (why: string) => {
		const seen = options.seen ? `; instead:\n${options.seen()}` : '';
		return new WaitTimeoutError(`gave up waiting for ${what} at ${clock.now() - start} ms on the manual clock: ${why}${seen}`);
	};
	for (;;) {
		// Let loopback I/O and whatever it set off run before looking.
		await new Promise(resolve => setImmediate(resolve));
		if (condition()) return;
		if (performance.now() > realEnd) {
			throw fail(busy() ? `still busy after ${realTimeoutMs} ms of real time` : `nothing sleeps on the clock and nothing is busy (${realTimeoutMs} ms of real time)`);
		}
		if (busy()) {
			await delay(1);
			continue;
		}
		const next = clock.nextWakeAt();
		if (next === null) {
			await delay(1);
			continue;
		}
		if (next - start > maxMs) throw fail(`the next wake-up is past ${maxMs} ms`);
		await clock.advance(Math.max(0, next - clock.now()));
	}
}
