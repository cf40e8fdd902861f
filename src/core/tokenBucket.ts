/** A continuously refilling bucket; `level` may go negative when one charge exceeds capacity. */
export class TokenBucket {
	level: number;
	#last: number;

	constructor(
		public ratePerMs: number,
		public capacity: number,
		now: number,
		start: number,
	) {
		this.level = start;
		this.#last = now;
	}

	refill(now: number): void {
		if (now > this.#last) {
			this.level = Math.min(this.capacity, this.level + (now - this.#last) * this.ratePerMs);
			this.#last = now;
		}
	}

	/** ms until `amount` may be taken (a charge above capacity waits for a full bucket). */
	waitFor(amount: number, now: number): number {
		this.refill(now);
		const need = Math.min(amount, this.capacity);
		if (this.level >= need) return 0;
		return Math.ceil((need - this.level) / this.ratePerMs);
	}

	/**
	 * The server says `used` of its budget is spent. Alone on the key, that is what this
	 * bucket has spent too, give or take the server's rounding and its own count of input
	 * tokens; a server that has seen more than a whole burst beyond that is counting
	 * someone else's traffic, so hold back until it has drained.
	 */
	syncUsed(used: number, now: number): void {
		this.refill(now);
		const slack = Math.max(1, this.capacity);
		this.level = Math.min(this.level, this.capacity - Math.max(0, used - slack));
	}
}
