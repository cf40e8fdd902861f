/**
 * Budgets in tokens and dollars. A job reserves its worst case before it is sent and
 * settles with what it really used, so under any concurrency the spent total never
 * passes the budget: a job whose worst case does not fit in what is left is not sent.
 */

export interface BudgetLimits {
	/** Most tokens (input + output) the run may spend. */
	readonly tokens?: number;
	/** Most USD the run may spend. */
	readonly usd?: number;
}

/** Held budget; a chain's shrinks as its calls spend it (./condenseJob.ts). */
export interface Reservation {
	tokens: number;
	usd: number;
}

export class Budget {
	readonly limits: BudgetLimits;
	#spentTokens = 0;
	#spentUsd = 0;
	#reservedTokens = 0;
	#reservedUsd = 0;

	constructor(limits: BudgetLimits) {
		this.limits = limits;
	}

	get active(): boolean {
		return this.limits.tokens != null || this.limits.usd != null;
	}

	#settled: Array<() => void> = [];

	/** Whether a worst case fits in what is left, counting reservations or not. */
	#fits(tokens: number, usd: number | null, withReserved: boolean): boolean {
		const {tokens: maxTokens, usd: maxUsd} = this.limits;
		const reservedTokens = withReserved ? this.#reservedTokens : 0;
		const reservedUsd = withReserved ? this.#reservedUsd : 0;
		if (maxTokens != null && this.#spentTokens + reservedTokens + tokens > maxTokens) return false;
		if (maxUsd != null) {
			// A job of unknown price cannot be proven to fit a dollar budget.
			if (usd == null) return false;
			if (this.#spentUsd + reservedUsd + usd > maxUsd + 1e-12) return false;
		}
		return true;
	}

	/**
	 * Whether the worst case could fit once every reservation in flight has settled (they
	 * usually settle for less). When false, the job can never be sent within this budget.
	 */
	couldFitLater(tokens: number, usd: number | null): boolean {
		return this.#reservedTokens > 0 && this.#fits(tokens, usd, false);
	}

	/** Resolves at the next settle. */
	nextSettle(): Promise<void> {
		return new Promise(resolve => this.#settled.push(resolve));
	}

	/** Reserve a worst case; null when it would not fit in what is left now. */
	tryReserve(tokens: number, usd: number | null): Reservation | null {
		if (!this.#fits(tokens, usd, true)) return null;
		const reservation = {tokens, usd: usd ?? 0};
		this.#reservedTokens += reservation.tokens;
		this.#reservedUsd += reservation.usd;
		return reservation;
	}

	/** Replace a reservation by what the attempt really cost (0 when it sent back nothing billable). */
	settle(reservation: Reservation, tokens: number, usd: number): void {
		this.#reservedTokens -= reservation.tokens;
		this.#reservedUsd -= reservation.usd;
		this.#spentTokens += tokens;
		this.#spentUsd += usd;
		const waiters = this.#settled;
		this.#settled = [];
		for (const resolve of waiters) resolve();
	}

	/** Hold `tokens` and `usd` more in `reservation`; false (nothing held) when they do not fit now. */
	grow(reservation: Reservation, tokens: number, usd: number | null): boolean {
		if (!this.#fits(tokens, usd, true)) return false;
		this.#reservedTokens += tokens;
		this.#reservedUsd += usd ?? 0;
		reservation.tokens += tokens;
		reservation.usd += usd ?? 0;
		return true;
	}

	/** One call of a chain cost this much: spent, and taken out of what the chain holds; the rest stays held. */
	spendFrom(reservation: Reservation, tokens: number, usd: number): void {
		const heldTokens = Math.min(tokens, reservation.tokens);
		const heldUsd = Math.min(usd, reservation.usd);
		reservation.tokens -= heldTokens;
		reservation.usd -= heldUsd;
		this.settle({tokens: heldTokens, usd: heldUsd}, tokens, usd);
	}

	get spentTokens(): number {
		return this.#spentTokens;
	}

	get spentUsd(): number {
		return this.#spentUsd;
	}
}
