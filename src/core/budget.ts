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

export interface Reservation {
	readonly tokens: number;
	readonly usd: number;
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

	/** Reserve a worst case; null when it would not fit in what is left. */
	tryReserve(tokens: number, usd: number | null): Reservation | null {
		const {tokens: maxTokens, usd: maxUsd} = this.limits;
		if (maxTokens != null && this.#spentTokens + this.#reservedTokens + tokens > maxTokens) return null;
		if (maxUsd != null) {
			// A job of unknown price cannot be proven to fit a dollar budget.
			if (usd == null) return null;
			if (this.#spentUsd + this.#reservedUsd + usd > maxUsd + 1e-12) return null;
		}
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
	}

	get spentTokens(): number {
		return this.#spentTokens;
	}

	get spentUsd(): number {
		return this.#spentUsd;
	}
}
