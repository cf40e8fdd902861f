/**
 * How quiet a healthy stream of this server gets once its reply flows, learned from the
 * streams that completed: the longest silence between events after the first output delta,
 * for each of the latest SAMPLES streams.
 *
 * `--idle-timeout` (20 s) has to allow for a model that thinks before it writes: the
 * silence before the first delta can be long and healthy. Once text flows, a server sends
 * a delta every few tens of ms, and a stream quiet for far longer than any healthy one was
 * has stalled: waiting out the whole idle timeout for it cost a 360-prompt run 13 s of its
 * 49 when the stall came near the end. So a flowing stream is given FACTOR times the 99th
 * percentile of those silences, never less than FLOOR_MS (a local server writing a token a
 * second gets tens of seconds), never more than the idle timeout.
 */

/** Completed streams remembered. */
const SAMPLES = 256;
/** Completed streams before anything is learned: until then a flowing stream gets the idle timeout. */
const MIN_SAMPLES = 32;
/** A flowing stream may be this many times quieter than the 99th percentile of healthy ones. */
const FACTOR = 10;
/** ...and at least this quiet (ms): a stall is far from a hiccup of the network or the machine. */
const FLOOR_MS = 5000;
/** The percentile is re-read after this many new streams, not for every stream. */
const REFRESH_EVERY = 16;

export class StreamGaps {
	readonly #gaps = new Float64Array(SAMPLES);
	#count = 0;
	#next = 0;
	#sinceRefresh = 0;
	#p99: number | null = null;

	/** A stream completed; `longestMs` is its longest silence once its reply flowed. */
	record(longestMs: number): void {
		this.#gaps[this.#next] = longestMs;
		this.#next = (this.#next + 1) % SAMPLES;
		this.#count = Math.min(SAMPLES, this.#count + 1);
		if (++this.#sinceRefresh >= REFRESH_EVERY || this.#p99 == null) this.#refresh();
	}

	/** The silence (ms) that ends a stream whose reply has started flowing. */
	flowingIdleMs(idleMs: number): number {
		if (this.#p99 == null) return idleMs;
		return Math.min(idleMs, Math.max(FLOOR_MS, FACTOR * this.#p99));
	}

	#refresh(): void {
		this.#sinceRefresh = 0;
		if (this.#count < MIN_SAMPLES) return;
		const sorted = this.#gaps.slice(0, this.#count).sort();
		this.#p99 = sorted[Math.min(this.#count - 1, Math.floor(this.#count * 0.99))]!;
	}
}
