/** Counts over the last 60 s, O(1) amortised per event. */
export class SlidingMinute {
	#times: number[] = [];
	#amounts: number[] = [];
	#head = 0;
	#sum = 0;

	add(now: number, amount: number): void {
		this.#times.push(now);
		this.#amounts.push(amount);
		this.#sum += amount;
	}

	/** Correct the latest charges (e.g. an estimate replaced by real usage). */
	adjust(amount: number): void {
		this.#sum += amount;
	}

	total(now: number): number {
		this.#expire(now);
		return Math.max(0, Math.round(this.#sum));
	}

	count(now: number): number {
		this.#expire(now);
		return this.#times.length - this.#head;
	}

	/** Events since `since` (within the minute), newest first: O(k) for k counted. */
	countSince(since: number, now: number): number {
		this.#expire(now);
		let n = 0;
		for (let i = this.#times.length - 1; i >= this.#head && this.#times[i]! > since; i--) n++;
		return n;
	}

	/** Time of the oldest event still in the minute, or null. */
	oldest(now: number): number | null {
		this.#expire(now);
		return this.#head < this.#times.length ? this.#times[this.#head]! : null;
	}

	/** Events a minute over the last minute (or since the first event, at least 1 s); O(1). */
	perMinute(now: number): number {
		const oldest = this.oldest(now);
		if (oldest == null) return 0;
		return (this.count(now) * 60_000) / Math.max(1000, now - oldest);
	}

	/** Events a minute over the last `windowMs` (or since the first event, at least 1 s). */
	perMinuteOver(now: number, windowMs: number): number {
		const oldest = this.oldest(now);
		if (oldest == null) return 0;
		const span = Math.min(windowMs, Math.max(1000, now - oldest));
		return (this.countSince(now - span, now) * 60_000) / span;
	}

	#expire(now: number): void {
		while (this.#head < this.#times.length && this.#times[this.#head]! <= now - 60_000) {
			this.#sum -= this.#amounts[this.#head]!;
			this.#head++;
		}
		if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
			this.#times = this.#times.slice(this.#head);
			this.#amounts = this.#amounts.slice(this.#head);
			this.#head = 0;
		}
	}
}
