import type {Clock, Timer} from './types.js';

/** The real clock. Its timers are unref'd: a run is kept alive by its requests, not its ticks. */
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
	timeout(ms, callback) {
		const timer = setTimeout(callback, Math.max(0, ms));
		timer.unref?.();
		return {cancel: () => clearTimeout(timer)};
	},
	every(ms, callback) {
		const timer = setInterval(callback, ms);
		timer.unref?.();
		return {cancel: () => clearInterval(timer)};
	},
};

interface Sleeper {
	until: number;
	resolve: () => void;
}

interface Tick {
	next: number;
	readonly everyMs: number;
	readonly callback: () => void;
}

/**
 * A clock that moves only when told to. Sleeps and timeouts fire when `advance` passes
 * their time, in order; periodic ticks (`every`) fire too, but are never "the next thing
 * that happens" (`nextWakeAt`), so a test can still tell that nothing waits.
 */
export class ManualClock implements Clock {
	#now: number;
	#sleepers: Sleeper[] = [];
	#ticks: Tick[] = [];

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
			const sleeper: Sleeper = {
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

	timeout(ms: number, callback: () => void): Timer {
		const sleeper: Sleeper = {until: this.#now + Math.max(0, ms), resolve: callback};
		this.#sleepers.push(sleeper);
		return {cancel: () => (this.#sleepers = this.#sleepers.filter(s => s !== sleeper))};
	}

	every(ms: number, callback: () => void): Timer {
		if (!(ms > 0)) throw new RangeError(`every: the period must be > 0 ms, got ${ms}`);
		const tick: Tick = {next: this.#now + ms, everyMs: ms, callback};
		this.#ticks.push(tick);
		return {cancel: () => (this.#ticks = this.#ticks.filter(t => t !== tick))};
	}

	/**
	 * When the earliest sleeper or timeout wakes, or null when nothing waits: a test can
	 * move time straight to the next thing that happens instead of stepping through the quiet.
	 */
	nextWakeAt(): number | null {
		let next: number | null = null;
		for (const sleeper of this.#sleepers) if (next === null || sleeper.until < next) next = sleeper.until;
		return next;
	}

	/** Move time forward, waking every sleeper, timeout and tick whose time has come, in order. */
	async advance(ms: number): Promise<void> {
		const target = this.#now + ms;
		for (;;) {
			const sleeper = this.#sleepers.filter(s => s.until <= target).sort((a, b) => a.until - b.until)[0];
			const tick = this.#ticks.filter(t => t.next <= target).sort((a, b) => a.next - b.next)[0];
			if (!sleeper && !tick) break;
			if (tick && (!sleeper || tick.next < sleeper.until)) {
				this.#now = Math.max(this.#now, tick.next);
				tick.next += tick.everyMs;
				tick.callback();
			} else {
				this.#now = Math.max(this.#now, sleeper!.until);
				this.#sleepers = this.#sleepers.filter(s => s !== sleeper);
				sleeper!.resolve();
			}
			// Let the woken code run (and maybe sleep again) before the next one.
			await new Promise(r => setImmediate(r));
		}
		this.#now = target;
	}
}
