/**
 * The idle-stream watchdog: fires when a stream has been silent for `idleMs`, measured as
 * the stream's silence, not this process's. When the event loop is blocked (a busy machine,
 * a garbage collection, a burst of other work), bytes the server sent sit unread in the
 * socket and a timer that only compares clock readings would call a healthy stream dead.
 * So the watchdog:
 * - does not count the time its own timer fired late (the loop was not free to read), and
 * - before it fires, yields one turn of the event loop so that data already waiting in the
 *   socket is read (and `touch`ed) first.
 * One timer per stream, re-armed only when it expires: `touch` is a hot path (every SSE
 * event) and only records the time.
 *
 * Once the reply flows (`flow`), the watch may be shortened to what this server's healthy
 * replies allow (streamGaps.ts), and it keeps the longest silence it saw from then on.
 */

/** A timer that fires this much after its due time is a sign the loop was blocked. */
const LATE_TOLERANCE_MS = 15;

export class IdleWatch {
	#idleMs: number;
	readonly #onIdle: (flowing: boolean) => void;
	#flowing = false;
	#longestFlowingMs = 0;
	#lastEventAt = 0;
	/** Time the loop was blocked since the last event, as seen by this watchdog's timer. */
	#blockedMs = 0;
	#timer: NodeJS.Timeout | undefined;
	#confirm: NodeJS.Immediate | undefined;
	#dueAt = 0;
	#stopped = false;

	constructor(idleMs: number, onIdle: (flowing: boolean) => void) {
		this.#idleMs = idleMs;
		this.#onIdle = onIdle;
	}

	/** Something arrived: the silence starts again. Arms the watchdog the first time. */
	touch(): void {
		if (this.#stopped) return;
		const now = performance.now();
		if (this.#flowing) {
			const silence = this.#silence(now);
			if (silence > this.#longestFlowingMs) this.#longestFlowingMs = silence;
		}
		this.#lastEventAt = now;
		this.#blockedMs = 0;
		if (!this.#timer && !this.#confirm) this.#arm(this.#idleMs);
	}

	/** The silence that ends the stream now. */
	get idleMs(): number {
		return this.#idleMs;
	}

	/** The longest silence since the reply began to flow (0 before). */
	get longestFlowingMs(): number {
		return this.#longestFlowingMs;
	}

	/**
	 * The reply has begun (call right after the `touch` of its first delta): from now on a
	 * silence of `idleMs` ends the stream, when that is shorter than the watch so far.
	 */
	flow(idleMs: number): void {
		if (this.#stopped || this.#flowing) return;
		this.#flowing = true;
		if (idleMs >= this.#idleMs) return;
		this.#idleMs = idleMs;
		// The timer armed for the longer silence would fire too late: arm it for this one.
		if (this.#timer) {
			clearTimeout(this.#timer);
			this.#timer = undefined;
			this.#arm(Math.max(0, idleMs - this.#silence(performance.now())));
		}
	}

	stop(): void {
		this.#stopped = true;
		clearTimeout(this.#timer);
		if (this.#confirm) clearImmediate(this.#confirm);
		this.#timer = undefined;
		this.#confirm = undefined;
	}

	/** Silence of the stream so far: wall time since the last event, less the time the loop was blocked. */
	#silence(now: number): number {
		return now - this.#lastEventAt - this.#blockedMs;
	}

	#arm(ms: number): void {
		this.#dueAt = performance.now() + ms;
		this.#timer = setTimeout(() => this.#check(), ms);
	}

	#check(): void {
		this.#timer = undefined;
		if (this.#stopped) return;
		const now = performance.now();
		const late = now - this.#dueAt;
		if (late > LATE_TOLERANCE_MS) this.#blockedMs += late;
		const silence = this.#silence(now);
		if (silence < this.#idleMs) {
			this.#arm(this.#idleMs - silence);
			return;
		}
		// Timers run before the loop polls for I/O: let it read what is already waiting.
		this.#confirm = setImmediate(() => {
			this.#confirm = undefined;
			if (this.#stopped) return;
			const after = this.#silence(performance.now());
			if (after >= this.#idleMs) this.#onIdle(this.#flowing);
			else this.#arm(this.#idleMs - after);
		});
	}
}
