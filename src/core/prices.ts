/**
 * pacer's own price table. gpt-tokenizer ships prices too, but they are wrong for
 * several models (openai-wire.md §8), so pacer never uses them.
 */
import {baseModelName} from './tokens.js';

/** USD per 1M tokens. */
export interface Rates {
	readonly input: number;
	/** Cached input tokens; `null` when not known, and then billed at `input` (an upper bound). */
	readonly cachedInput: number | null;
	readonly output: number;
}

export interface Price extends Rates {
	/** The table entry (or the model asked for, when overrides priced it). */
	readonly model: string;
	/** The Batch API rates: half of every synchronous rate. */
	readonly batch: Rates;
	/** Where the numbers come from. */
	readonly source: string;
	/** When they were last checked (YYYY-MM or YYYY-MM-DD). */
	readonly date: string;
	/** A caveat worth showing next to the cost. */
	readonly note?: string;
}

// Reported by several third parties in 2026 (openai-wire.md §8); check before publishing.
const THIRD_PARTY = 'third-party price reports (see reference)';
const TABLE_DATE = '2026';
const LONG_CONTEXT = 'listed rates hold below ~270k input tokens per request';

type Entry = readonly [input: number, cachedInput: number | null, output: number, note?: string];

// Cached rates are left null where the reports gave none, rather than guessed.
const TABLE: Readonly<Record<string, Entry>> = {
	'gpt-5.5': [5, 0.5, 30, LONG_CONTEXT],
	'gpt-5.4': [2.5, 0.25, 15, LONG_CONTEXT],
	'gpt-5.4-mini': [0.75, 0.075, 4.5, LONG_CONTEXT],
	'gpt-5': [1.25, null, 10],
	'gpt-5-mini': [0.25, null, 2],
	'gpt-4.1': [2, null, 8],
	'gpt-4.1-mini': [0.4, null, 1.6],
	'gpt-4o': [2.5, null, 10],
	'gpt-4o-mini': [0.15, null, 0.6],
};

/** The models the table prices, for help text and tests. */
export const PRICED_MODELS: readonly string[] = Object.keys(TABLE);

/** `--price-in`, `--price-out` and a cached-input rate, USD per 1M tokens. */
export interface PriceOverrides {
	/**
	 * Input rate (`--price-in`).
	 * @default the table's rate
	 */
	readonly in?: number;
	/**
	 * Output rate (`--price-out`).
	 * @default the table's rate
	 */
	readonly out?: number;
	/**
	 * Cached input rate.
	 * @default the table's rate, or `in` when `in` is overridden
	 */
	readonly cachedIn?: number;
}

/** Thrown for a negative or non-finite override. */
export class PriceError extends Error {
	override name = 'PriceError';
}

// `gpt-5.4-mini-2026-03-17` and `gpt-4-0613` are snapshots of `gpt-5.4-mini` / `gpt-4`.
const SNAPSHOT = /-(?:\d{4}-\d{2}-\d{2}|\d{4})$/;

/**
 * The table entry for `model`: an exact name or a dated snapshot of one. Nothing
 * looser: a prefix match would price `gpt-5-nano` or `gpt-5-pro` as `gpt-5`, and a
 * wrong price is worse than an unknown one. Fine-tuned models (`ft:`) bill at other
 * rates, so they are unknown too.
 */
export function priceTableEntry(model: string): string | null {
	if (model.trim().toLowerCase().startsWith('ft:')) {
		return null;
	}
	const name = baseModelName(model);
	if (Object.hasOwn(TABLE, name)) {
		return name;
	}
	const undated = name.replace(SNAPSHOT, '');
	return Object.hasOwn(TABLE, undated) ? undated : null;
}

/**
 * What `model` costs, or `null` when pacer does not know (never a price of 0).
 * Overrides replace table rates; for a model the table lacks, `in` and `out` together
 * make it known. Overriding `in` without `cachedIn` bills cached input at `in`.
 */
export function priceFor(model: string, overrides: PriceOverrides = {}): Price | null {
	for (const [key, value] of Object.entries(overrides)) {
		if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
			throw new PriceError(`price override "${key}" must be a number >= 0 (USD per 1M tokens), got ${String(value)}`);
		}
	}
	const key = priceTableEntry(model);
	const entry = key === null ? undefined : TABLE[key];
	const overridden = overrides.in !== undefined || overrides.out !== undefined || overrides.cachedIn !== undefined;
	if (entry === undefined || key === null) {
		if (overrides.in === undefined || overrides.out === undefined) {
			return null;
		}
		return makePrice(model, {input: overrides.in, cachedInput: overrides.cachedIn ?? null, output: overrides.out}, 'command-line price overrides', 'now');
	}
	const [input, cachedInput, output, note] = entry;
	const rates: Rates = {
		input: overrides.in ?? input,
		cachedInput: overrides.cachedIn ?? (overrides.in === undefined ? cachedInput : null),
		output: overrides.out ?? output,
	};
	const source = overridden ? `${THIRD_PARTY}, with command-line overrides` : THIRD_PARTY;
	return makePrice(key, rates, source, TABLE_DATE, note);
}

function makePrice(model: string, rates: Rates, source: string, date: string, note?: string): Price {
	const half = (n: number) => n / 2;
	return {
		model,
		...rates,
		batch: {
			input: half(rates.input),
			cachedInput: rates.cachedInput === null ? null : half(rates.cachedInput),
			output: half(rates.output),
		},
		source,
		date,
		...(note === undefined ? {} : {note}),
	};
}

/** Token counts as `usage` reports them; reasoning tokens are already inside `output_tokens`. */
export interface CostUsage {
	readonly input_tokens: number;
	readonly output_tokens: number;
	/** Of `input_tokens`, how many were read from the prompt cache. */
	readonly cached_tokens?: number;
}

export interface CostOptions {
	/**
	 * Bill at Batch API rates.
	 * @default false
	 */
	readonly batch?: boolean;
}

/** USD for one usage record. Cached input is billed at the cached rate when known. */
export function costUsd(usage: CostUsage, price: Price, options: CostOptions = {}): number {
	const rates: Rates = options.batch ? price.batch : price;
	const cached = Math.min(Math.max(0, usage.cached_tokens ?? 0), usage.input_tokens);
	const uncached = usage.input_tokens - cached;
	const cachedRate = rates.cachedInput ?? rates.input;
	return (uncached * rates.input + cached * cachedRate + usage.output_tokens * rates.output) / 1_000_000;
}
