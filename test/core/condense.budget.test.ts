/**
 * Budgets hold with condensing: the worst case of a whole chain is held before its first
 * call, so under any sizes, limits and concurrency what is spent never passes the budget.
 * Real engine, real SDK, real simulator.
 */
import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import type {ResultRecord} from '../../src/core/types.js';

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({latencyScale: 0, rpm: Infinity, tpm: Infinity, seed: 4});
});
afterAll(() => sim.close());

const paragraph = (i: number) => `Week ${i}: the mill ground ${30 + (i % 60)} sacks. ` + 'The wheel turned all day and the miller kept the book. '.repeat(4);
const documentOf = (paragraphs: number) => Array.from({length: paragraphs}, (_, i) => paragraph(i)).join('\n\n');

describe('budgets with --on-long summarize', () => {
	test('property: spent never passes the budget; what cannot be held is skipped before any of its calls', {timeout: 120_000}, async () => {
		let condensed = 0;
		let skipped = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.integer({min: 1, max: 60}), {minLength: 1, maxLength: 5}),
				fc.integer({min: 400, max: 2000}),
				fc.integer({min: 1, max: 6}),
				fc.integer({min: 500, max: 30_000}),
				fc.option(fc.double({min: 0.0005, max: 0.02, noNaN: true}), {nil: undefined}),
				async (sizes, maxInputTokens, concurrency, budgetTokens, budgetUsd) => {
					const records: ResultRecord[] = [];
					const before = sim.stats();
					const {summary} = await runBatch(
						sizes.map((paragraphs, i) => ({id: `j${i}`, prompt: 'Total the sacks.', context: documentOf(paragraphs)})),
						{
							endpoint: {kind: 'api', apiKey: 'sk-test-budget-key', baseURL: sim.url},
							api: 'responses',
							maxInputTokens,
							onLong: 'summarize',
							concurrency,
							budgetTokens,
							budgetUsd,
							maxOutputTokens: 64,
							onEvent: event => void (event.type === 'finished' && records.push(event.record)),
						},
					);
					const billed = sim.stats().tokensIn - before.tokensIn + (sim.stats().tokensOut - before.tokensOut);
					expect(summary.budget!.spentTokens).toBe(billed);
					expect(summary.budget!.spentTokens).toBeLessThanOrEqual(budgetTokens);
					if (budgetUsd != null) expect(summary.budget!.spentUsd).toBeLessThanOrEqual(budgetUsd + 1e-9);
					condensed += summary.summarized.prompts;
					skipped += summary.skipped;
					for (const record of records) {
						if (record.status === 'succeeded') continue;
						expect(record.status === 'skipped' ? record.error?.kind : record.error?.kind).toMatch(/^(budget|context_length)$/);
						// Skipped for the budget before its chain began: it cost nothing.
						if (record.status === 'skipped' && record.error?.kind === 'budget' && record.attempts === 0) expect(record.summary_usage).toBeUndefined();
					}
				},
			),
			{numRuns: 25},
		);
		// The property saw both: chains that ran within the budget, and jobs it could not take.
		expect(condensed).toBeGreaterThan(0);
		expect(skipped).toBeGreaterThan(0);
	});
});
