import type {Clock} from './types.js';

/** The real clock. */
export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: (ms, signal) =>
		new Promise<void>((resolve, reject) => {
			if (signal?.aborted) {
				reject(signal.reason);
				return;
			}
			const timer = setTimeout(() => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			}, Math.max(0, ms));
			const onAbort = () => {
				clearTimeout(timer);
				reject(signal!.reason);
			};
			signal?.addEventListener('abort', onAbort, {once: true});
		}),
};

/**
 * A clock that moves only when told to. `sleep` resolves when `advance` passes its time.
 * For tests of pacing, backoff and countdowns.
 */
export class ManualClock implements Clock {
	#now: number;
	#sleepers: Array<{until: number; resolve: () => void}> = [];

	constructor(start = 0) {
		this.#now = start;
	}

	now(): number {
		return this.#now;
	}

	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			if (signal?.aborted) {
				reject(signal.reason);
				return;
			}
			const onAbort = () => {
				this.#sleepers = this.#sleepers.filter(s => s !== sleeper);
				reject(signal!.reason);
			};
			const sleeper = {
				until: this.#now + Math.max(0, ms),
				resolve: () => {
					// One signal may see hundreds of sleeps (a limiter re-checks every 250 ms).
					signal?.removeEventListener('abort', onAbort);
					resolve();
				},
			};
			this.#sleepers.push(sleeper);
			signal?.addEventListener('abort', onAbort, {once: true});
		});
	}

	/**
	 * When the earliest sleeper wakes, or null when nothing sleeps: a test can move time
	 * straight to the next thing that happens instead of stepping through the quiet.
	 */
	nextWakeAt(): number | null {
		let next: number | null = null;
		for (const sleeper of this.#sleepers) if (next === null || sleeper.until < next) next = sleeper.until;
		return next;
	}

	/** Move time forward, waking every sleeper whose time has come, in order. */
	async advance(ms: number): Promise<void> {
		const target = this.#now + ms;
		for (;;) {
			const next = this.#sleepers.filter(s => s.until <= target).sort((a, b) => a.until - b.until)[0];
			if (!next) break;
			this.#now = Math.max(this.#now, next.until);
			this.#sleepers = this.#sleepers.filter(s => s !== next);
			next.resolve();
			// Let the woken code run (and maybe sleep again) before the next one.
			await new Promise(r => setImmediate(r));
		}
		this.#now = target;
	}
}
