/**
 * `--budget-usd` / `--budget-tokens` for a Batch API run: a part is submitted only when
 * the worst case of everything submitted (input estimates plus every output cap, at the
 * batch price) still fits. A batch cannot be stopped half-way once the provider has it,
 * so the worst case is held for the whole part, before it goes.
 */
import type {BudgetLimits} from '../core/budget.js';
import {costUsd, type Price} from '../core/prices.js';
import type {BudgetFigures} from '../core/runSink.js';
import type {PartState} from './stateFile.js';

export class PartBudget {
	readonly #limits: BudgetLimits;
	readonly #price: (model: string) => Price | null;
	#tokens = 0;
	#usd = 0;
	/** A part was refused: every later one is too, so what is sent is a prefix of the input. */
	#refused: string | null = null;

	constructor(limits: BudgetLimits, price: (model: string) => Price | null) {
		this.#limits = limits;
		this.#price = price;
	}

	#worst(part: PartState): {tokens: number; usd: number | null} {
		const price = this.#price(part.model);
		const tokens = part.worstInputTokens + part.worstOutputTokens;
		return {tokens, usd: price ? costUsd({input_tokens: part.worstInputTokens, output_tokens: part.worstOutputTokens}, price, {batch: true}) : null};
	}

	/** Why the part may not be submitted, or null when it fits. */
	refuses(part: PartState): string | null {
		this.#refused ??= this.#over(part);
		return this.#refused;
	}

	#over(part: PartState): string | null {
		const worst = this.#worst(part);
		const {tokens, usd} = this.#limits;
		if (tokens != null && this.#tokens + worst.tokens > tokens) {
			return `its worst case of ${worst.tokens} tokens would pass --budget-tokens ${tokens} (${this.#tokens} already submitted)`;
		}
		if (usd != null) {
			if (worst.usd === null) return `the price of ${part.model} is unknown, so --budget-usd cannot be held (set --price-in and --price-out)`;
			if (this.#usd + worst.usd > usd) return `its worst case of $${worst.usd.toFixed(4)} at the batch price would pass --budget-usd ${usd} ($${this.#usd.toFixed(4)} already submitted)`;
		}
		return null;
	}

	/** The part went to the provider: its worst case is spoken for. */
	submitted(part: PartState): void {
		const worst = this.#worst(part);
		this.#tokens += worst.tokens;
		this.#usd += worst.usd ?? 0;
	}

	/** What is left for `--then-live` once the batches have ended and `spent` is what they really cost. */
	left(spent: {usd: number; tokens: number}): {usd?: number; tokens?: number} {
		return {
			...(this.#limits.usd != null ? {usd: Math.max(0, this.#limits.usd - spent.usd)} : {}),
			...(this.#limits.tokens != null ? {tokens: Math.max(0, this.#limits.tokens - spent.tokens)} : {}),
		};
	}

	figures(): Partial<BudgetFigures> | null {
		if (this.#limits.tokens == null && this.#limits.usd == null) return null;
		return {tokens: this.#limits.tokens ?? null, usd: this.#limits.usd ?? null, spentTokens: this.#tokens, spentUsd: this.#usd};
	}

	summary(): {limits: BudgetLimits; spentTokens: number; spentUsd: number} | null {
		if (this.#limits.tokens == null && this.#limits.usd == null) return null;
		return {limits: this.#limits, spentTokens: this.#tokens, spentUsd: this.#usd};
	}
}
