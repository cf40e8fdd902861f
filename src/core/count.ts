/**
 * `pacer count`: tokens and cost of a prompts file, without sending anything.
 */
import {summarizeEstimate, type SummarizeEstimate} from './countCondensing.js';
import {costUsd, priceFor, type Price, type PriceOverrides} from './prices.js';
import {toSingleLine} from './terminalText.js';
import {countInputTokens} from './tokens.js';
import type {ApiName, JobSpec} from './types.js';

export interface CountOptions {
	/** The model for prompts that name none. */
	readonly model: string;
	/** The output cap for prompts that set none. */
	readonly maxOutputTokens: number;
	/**
	 * List the prompts whose input estimate is over this.
	 * @default no limit
	 */
	readonly maxInputTokens?: number;
	/**
	 * Instructions for prompts that carry none (counted as a system message).
	 * @default none
	 */
	readonly instructions?: string;
	/**
	 * The API plain prompts would go to; a Batch API line's `url` picks its own.
	 * @default 'responses'
	 */
	readonly api?: ApiName;
	/**
	 * `--price-in` / `--price-out` (USD per 1M tokens).
	 * @default the price table
	 */
	readonly priceOverrides?: PriceOverrides;
	/**
	 * With `maxInputTokens`: what condensing the prompts over it would add (`--on-long summarize`).
	 * @default not estimated
	 */
	readonly summarize?: {readonly model?: string};
	/**
	 * Also price the batch at Batch API rates (`pacer count --batch-api`).
	 * @default false
	 */
	readonly batch?: boolean;
	/**
	 * How many of the longest prompts to list.
	 * @default 5
	 */
	readonly longest?: number;
}

export interface CountedPrompt {
	readonly id: string;
	readonly line: number;
	/** Input tokens as countInputTokens estimates them (message overhead included). */
	readonly tokens: number;
	/** The first words, on one line. */
	readonly preview: string;
}

export interface OverLimitPrompt {
	readonly id: string;
	readonly line: number;
	readonly tokens: number;
	readonly overBy: number;
}

/** USD: `min` if every reply were empty, `max` if every reply used its whole output cap. */
export interface CostRange {
	readonly min: number;
	readonly max: number;
}

export interface ModelCount {
	readonly model: string;
	readonly prompts: number;
	readonly inputTokens: number;
	/** Sum of the prompts' output caps. */
	readonly maxOutputTokens: number;
	readonly price: Price | null;
	readonly costUsd: CostRange | null;
}

export interface CountReport {
	/** The model for prompts that name none. */
	readonly model: string;
	readonly prompts: number;
	readonly inputTokens: {readonly total: number; readonly mean: number; readonly max: number};
	/** The output cap for prompts that set none. */
	readonly maxOutputTokens: number;
	/** Input plus every output cap: what the limiter reserves, and what `--budget-tokens` must cover. */
	readonly reservedTokens: number;
	readonly longest: readonly CountedPrompt[];
	readonly maxInputTokens: number | null;
	/** Every prompt over `maxInputTokens`, in file order. */
	readonly overLimit: readonly OverLimitPrompt[];
	/** The price of `model`, or null when pacer does not know it. */
	readonly price: Price | null;
	/** One entry per model the batch uses, most prompts first. */
	readonly models: readonly ModelCount[];
	/** Null when any model's price is unknown: a partial sum would read as the whole cost. */
	readonly costUsd: CostRange | null;
	/** With `batch`: the same range at Batch API rates; null when any model's price is unknown. */
	readonly batchCostUsd?: CostRange | null;
	/** With `summarize`: what condensing would add. */
	readonly summarize?: SummarizeEstimate;
}

const PREVIEW_CHARS = 60;

export function countReport(jobs: readonly JobSpec[], options: CountOptions): CountReport {
	const longestCount = options.longest ?? 5;
	const perModel = new Map<string, {prompts: number; inputTokens: number; maxOutputTokens: number}>();
	const counted: Array<{job: JobSpec; tokens: number}> = [];
	const overLimit: OverLimitPrompt[] = [];
	let total = 0;
	let max = 0;
	let reserved = 0;

	for (const job of jobs) {
		const model = job.model ?? options.model;
		const instructions = job.instructions ?? options.instructions;
		const api = job.api ?? options.api;
		const tokens = countInputTokens({text: job.text, input: job.input, ...(instructions === undefined ? {} : {instructions}), ...(api ? {api} : {})}, model);
		const cap = job.maxOutputTokens ?? options.maxOutputTokens;
		total += tokens;
		max = Math.max(max, tokens);
		reserved += tokens + cap;
		counted.push({job, tokens});
		if (options.maxInputTokens !== undefined && tokens > options.maxInputTokens) {
			overLimit.push({id: job.id, line: job.line, tokens, overBy: tokens - options.maxInputTokens});
		}
		const entry = perModel.get(model) ?? {prompts: 0, inputTokens: 0, maxOutputTokens: 0};
		entry.prompts++;
		entry.inputTokens += tokens;
		entry.maxOutputTokens += cap;
		perModel.set(model, entry);
	}

	const overrides = options.priceOverrides ?? {};
	const models: ModelCount[] = [...perModel]
		.map(([model, entry]) => {
			const price = priceFor(model, overrides);
			const cost =
				price === null
					? null
					: {
							min: costUsd({input_tokens: entry.inputTokens, output_tokens: 0}, price),
							max: costUsd({input_tokens: entry.inputTokens, output_tokens: entry.maxOutputTokens}, price),
						};
			return {model, ...entry, price, costUsd: cost};
		})
		.sort((a, b) => b.prompts - a.prompts || a.model.localeCompare(b.model));

	const priced = models.every((entry) => entry.costUsd !== null);
	const longest = counted
		.slice()
		// Stable sort: equal counts keep file order.
		.sort((a, b) => b.tokens - a.tokens)
		.slice(0, longestCount)
		.map(({job, tokens}) => ({id: job.id, line: job.line, tokens, preview: previewOf(job.text)}));

	return {
		model: options.model,
		prompts: jobs.length,
		inputTokens: {total, mean: jobs.length === 0 ? 0 : total / jobs.length, max},
		maxOutputTokens: options.maxOutputTokens,
		reservedTokens: reserved,
		longest,
		maxInputTokens: options.maxInputTokens ?? null,
		overLimit,
		price: priceFor(options.model, overrides),
		models,
		costUsd: priced
			? {
					min: models.reduce((sum, entry) => sum + entry.costUsd!.min, 0),
					max: models.reduce((sum, entry) => sum + entry.costUsd!.max, 0),
				}
			: null,
		...(options.batch
			? {
					batchCostUsd: priced
						? {
								min: models.reduce((sum, entry) => sum + costUsd({input_tokens: entry.inputTokens, output_tokens: 0}, entry.price!, {batch: true}), 0),
								max: models.reduce((sum, entry) => sum + costUsd({input_tokens: entry.inputTokens, output_tokens: entry.maxOutputTokens}, entry.price!, {batch: true}), 0),
							}
						: null,
				}
			: {}),
		...(options.summarize && options.maxInputTokens !== undefined
			? {summarize: summarizeEstimate(jobs, new Set(overLimit.map((prompt) => prompt.id)), options.maxInputTokens, options)}
			: {}),
	};
}

function previewOf(text: string): string {
	const line = toSingleLine(text);
	if (line.length <= PREVIEW_CHARS) {
		return line;
	}
	const cut = line.slice(0, PREVIEW_CHARS);
	const space = cut.lastIndexOf(' ');
	return `${space > PREVIEW_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}
