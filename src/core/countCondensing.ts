/** `pacer count --on-long summarize`: what condensing the prompts over the limit would add, from their worst-case plans. */
import {CONDENSE_INSTRUCTIONS, planCondensing, roomFor, splitForCondensing} from './condense.js';
import type {CostRange, CountOptions} from './count.js';
import {inputText} from './inputItems.js';
import {costUsd, priceFor} from './prices.js';
import {countInputTokens} from './tokens.js';
import type {JobSpec} from './types.js';

/** What `--on-long summarize` would add: the worst-case plan of each prompt over the limit. */
export interface SummarizeEstimate {
	/** Prompts that would be condensed. */
	readonly prompts: number;
	/** Prompts that could not be brought under the limit (they would fail as context_length). */
	readonly cannot: number;
	/** Extra calls, at most (fewer when pieces come back short of their caps). */
	readonly calls: number;
	readonly inputTokens: number;
	/** Sum of the condensing calls' output caps. */
	readonly maxOutputTokens: number;
	/** USD: the calls' input only .. every piece at its cap; null when a condensing model's price is unknown. */
	readonly costUsd: CostRange | null;
}

/** The worst-case plans of condensing every prompt over the limit. */
export function summarizeEstimate(jobs: readonly JobSpec[], overLimit: ReadonlySet<string>, max: number, options: CountOptions): SummarizeEstimate {
	let prompts = 0;
	let cannot = 0;
	let calls = 0;
	let inputTokens = 0;
	let maxOutputTokens = 0;
	let cost: CostRange | null = {min: 0, max: 0};
	for (const job of jobs) {
		if (!overLimit.has(job.id)) continue;
		const model = job.model ?? options.model;
		const condenser = options.summarize?.model ?? model;
		const instructions = job.instructions ?? options.instructions;
		const api = job.api ?? options.api;
		const split = splitForCondensing(job);
		if (typeof split === 'string') {
			cannot++;
			continue;
		}
		const count = (input: string | readonly unknown[], asked: string | undefined, m: string) =>
			countInputTokens({text: inputText(input), input, ...(asked === undefined ? {} : {instructions: asked}), ...(api ? {api} : {})}, m);
		const callOverhead = count('', CONDENSE_INSTRUCTIONS[split.kind], condenser);
		const room = roomFor(split, max, input => count(input, instructions, model), chunk => count(chunk, CONDENSE_INSTRUCTIONS[split.kind], condenser), condenser);
		const plan = planCondensing(split.long, room);
		if (!plan.ok) {
			cannot++;
			continue;
		}
		prompts++;
		calls += plan.calls.length;
		const tokensIn = plan.calls.reduce((sum, call) => sum + callOverhead + call.chunkTokens, 0);
		const tokensOut = plan.calls.reduce((sum, call) => sum + call.cap, 0);
		inputTokens += tokensIn;
		maxOutputTokens += tokensOut;
		const price = priceFor(condenser, options.priceOverrides ?? {});
		cost =
			price === null || cost === null
				? null
				: {min: cost.min + costUsd({input_tokens: tokensIn, output_tokens: 0}, price), max: cost.max + costUsd({input_tokens: tokensIn, output_tokens: tokensOut}, price)};
	}
	return {prompts, cannot, calls, inputTokens, maxOutputTokens, costUsd: cost};
}

