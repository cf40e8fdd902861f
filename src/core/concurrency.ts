/**
 * How many requests may be in flight: never fewer than the user asked for, and enough
 * that concurrency is not what holds a paced run back.
 *
 * - A rate is known (flags, headers, or learned from 429s): by Little's law a run at R
 *   requests/ms with latency W keeps R·W requests in flight; half as many again is the
 *   ceiling, so latency swings do not make the queue, rather than the limit, bind. It is
 *   approached by doubling per latency period while latency holds, and left when latency
 *   shows saturation.
 * - Nothing is known yet: grow one slot at a time while every slot is busy, jobs are
 *   waiting and latency stays near what it was at the start ("while latency allows").
 *   A server that queues our requests shows it in latency and the growth stops.
 */

export interface ConcurrencyState {
	readonly now: number;
	/** `--concurrency` or the dashboard's +/-: the floor. */
	readonly user: number;
	readonly current: number;
	/** Requests/min the limiter paces to, null when nothing bounds the rate. */
	readonly pacedRpm: number | null;
	/** Attempts sent and not yet answered (not those waiting for the limiter). */
	readonly inFlight: number;
	/** Jobs waiting for a slot. */
	readonly queued: number;
}

/** The most requests in flight pacer ever allows itself. */
export const MAX_CONCURRENCY = 1024;
/** Slots beyond rate × latency, as a share of it. */
const HEADROOM = 1.5;
/** Growth without a known rate stops once latency passes this multiple of its start. */
const LATENCY_ALLOWANCE = 1.25;
const MIN_SAMPLES = 8;
/** With a rate known: growth continues while latency is within this multiple of its baseline... */
const RATED_GROWTH_ALLOWANCE = 3;
/** ...and slots are given back past this one. */
const SATURATED = 4;

export class AdaptiveConcurrency {
	#latencyMs: number | null = null;
	#baselineMs: number | null = null;
	#samples = 0;
	#lastGrowAt = -Infinity;

	/** A successful attempt's latency, ms. */
	observeLatency(ms: number): void {
		this.#samples++;
		this.#latencyMs = this.#latencyMs == null ? ms : this.#latencyMs * 0.9 + ms * 0.1;
		if (this.#samples >= MIN_SAMPLES) this.#baselineMs = Math.min(this.#baselineMs ?? Infinity, this.#latencyMs);
	}

	get latencyMs(): number | null {
		return this.#latencyMs;
	}

	/** The concurrency to run at now. */
	target(state: ConcurrencyState): number {
		const floor = clamp(state.user);
		const latency = this.#latencyMs;
		if (latency == null) return Math.max(floor, state.current);
		const latencyAllows = this.#baselineMs != null && latency <= this.#baselineMs * LATENCY_ALLOWANCE;
		if (state.pacedRpm != null) {
			// Rate x latency is how many slots the rate could use: a ceiling to grow towards,
			// never a jump (a server that allows 100M RPM does not make 1,024 sockets wise).
			// Growth doubles per latency period while latency stays within a few times its
			// baseline (replies of different lengths vary that much on their own) and backs
			// off past that, where the client or the server is saturated.
			const needed = clamp(Math.max(floor, Math.ceil((state.pacedRpm / 60_000) * latency * HEADROOM) + 1));
			if (state.current > needed) return needed;
			if (state.now - this.#lastGrowAt < latency || this.#baselineMs == null) return Math.max(floor, state.current);
			if (latency > this.#baselineMs * SATURATED && state.current > floor) {
				this.#lastGrowAt = state.now;
				return Math.max(floor, Math.floor(state.current * 0.8));
			}
			if (state.current < needed && latency <= this.#baselineMs * RATED_GROWTH_ALLOWANCE) {
				this.#lastGrowAt = state.now;
				return Math.max(floor, Math.min(needed, state.current * 2));
			}
			return Math.max(floor, state.current);
		}
		const saturated = state.queued > 0 && state.inFlight >= state.current;
		if (saturated && latencyAllows && state.now - this.#lastGrowAt >= latency) {
			this.#lastGrowAt = state.now;
			return clamp(Math.max(floor, state.current + 1));
		}
		return Math.max(floor, state.current);
	}
}

function clamp(n: number): number {
	return Math.max(1, Math.min(MAX_CONCURRENCY, Math.round(n)));
}
