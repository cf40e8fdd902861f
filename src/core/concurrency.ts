/**
 * `--concurrency auto`: how many requests may be in flight, between 1 and a ceiling of
 * its own (`--max-concurrency`). It starts at AUTO_START, small enough for any server,
 * and moves from there:
 *
 * - A rate is known (flags, headers, or learned from 429s): by Little's law a run at R
 *   requests/ms with latency W keeps R·W requests in flight; half as many again is the
 *   target, so latency swings do not make the queue, rather than the limit, bind. It is
 *   approached by doubling per latency period while latency holds.
 * - Nothing is known: grow one slot per latency period while every slot is busy, jobs are
 *   waiting and latency stays near its best ("while latency allows"). A server that
 *   queues our requests shows it in latency and the growth stops.
 * - Either way, latency far past its best is saturation (of the server or of this
 *   process): slots are given back, a fifth at a time.
 *
 * A fixed `--concurrency N` never comes here: the engine holds N as it is.
 */
import {DEFAULTS} from './defaults.js';

export interface ConcurrencyState {
	readonly now: number;
	/** The concurrency in force. */
	readonly current: number;
	/** Requests/min the limiter paces to, null when nothing bounds the rate. */
	readonly pacedRpm: number | null;
	/** Attempts sent and not yet answered (not those waiting for the limiter). */
	readonly inFlight: number;
	/** Jobs waiting for a slot. */
	readonly queued: number;
}

export interface AdaptiveConcurrencyOptions {
	/** The most requests in flight it ever allows (`--max-concurrency`). @default 64 */
	readonly max?: number;
}

/** `--max-concurrency` when none is given. */
export const DEFAULT_MAX_CONCURRENCY = DEFAULTS.maxConcurrency;
/** Where `auto` starts: a few requests that no server minds, grown from as latency shows room. */
export const AUTO_START = DEFAULTS.autoConcurrencyStart;
/** Slots beyond rate × latency, as a share of it: a slot also waits for the limiter. */
const HEADROOM = 1.5;
/** Growth without a known rate stops once latency passes this multiple of its best. */
const LATENCY_ALLOWANCE = 1.25;
const MIN_SAMPLES = 8;
/**
 * With a rate known, growth goes on while latency is within this multiple of its best:
 * replies of different lengths vary that much on their own.
 */
const RATED_GROWTH_ALLOWANCE = 3;
/** Past this multiple of its best, latency means saturation and slots are given back. */
const SATURATED = 4;
/** What a back-off keeps of the slots. */
const BACK_OFF = 0.8;

export class AdaptiveConcurrency {
	readonly max: number;
	#latencyMs: number | null = null;
	#baselineMs: number | null = null;
	#samples = 0;
	#lastChangeAt = -Infinity;

	constructor(options: AdaptiveConcurrencyOptions = {}) {
		const max = options.max ?? DEFAULT_MAX_CONCURRENCY;
		if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxConcurrency must be a whole number >= 1, got ${String(max)}`);
		this.max = max;
	}

	/** The concurrency an auto run starts at. */
	get start(): number {
		return Math.min(AUTO_START, this.max);
	}

	/** A successful attempt's latency, ms. */
	observeLatency(ms: number): void {
		this.#samples++;
		this.#latencyMs = this.#latencyMs == null ? ms : this.#latencyMs * 0.9 + ms * 0.1;
		if (this.#samples >= MIN_SAMPLES) this.#baselineMs = Math.min(this.#baselineMs ?? Infinity, this.#latencyMs);
	}

	get latencyMs(): number | null {
		return this.#latencyMs;
	}

	/** The concurrency to run at now, between 1 and `max`. */
	target(state: ConcurrencyState): number {
		const current = this.#bound(state.current);
		const latency = this.#latencyMs;
		if (latency == null) return current;
		// Rate x latency is how many slots the rate could use: a target to grow towards, never
		// a jump (a server that allows 100M RPM does not make `max` sockets wise at once).
		const needed = state.pacedRpm == null ? null : this.#bound(Math.ceil((state.pacedRpm / 60_000) * latency * HEADROOM) + 1);
		if (needed != null && current > needed) return needed;
		const baseline = this.#baselineMs;
		if (baseline == null || state.now - this.#lastChangeAt < latency) return current;
		if (latency > baseline * SATURATED && current > 1) return this.#change(state.now, Math.floor(current * BACK_OFF));
		if (needed != null) {
			const grow = current < needed && latency <= baseline * RATED_GROWTH_ALLOWANCE;
			return grow ? this.#change(state.now, Math.min(needed, current * 2)) : current;
		}
		const everySlotBusy = state.queued > 0 && state.inFlight >= current;
		if (everySlotBusy && latency <= baseline * LATENCY_ALLOWANCE) return this.#change(state.now, current + 1);
		return current;
	}

	#change(now: number, next: number): number {
		this.#lastChangeAt = now;
		return this.#bound(next);
	}

	#bound(n: number): number {
		return Math.max(1, Math.min(this.max, Math.round(n)));
	}
}
