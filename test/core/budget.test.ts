/**
 * Budgets: under any job sizes and any concurrency, what is spent never passes the
 * budget; what does not fit ends `skipped` with kind `budget`. Real engine, real simulator.
 */
import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {Budget} from '../../src/core/budget.js';
import type {JobSpec} from '../../src/core/types.js';
import {runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({latencyScale: 0, rpm: Infinity, tpm: Infinity});
});
afterAll(() => sim.close());

const words = (n: number, salt: number) => Array.from({length: n}, (_, i) => `word${(i * 7 + salt) % 97}`).join(' ');

describe('budget', () => {
	test('Budget refuses what would not fit and settles to the real cost', () => {
		const budget = new Budget({tokens: 1000});
		const a = budget.tryReserve(600, null)!;
		expect(budget.tryReserve(500, null)).toBeNull();
		budget.settle(a, 200, 0);
		expect(budget.tryReserve(800, null)).not.toBeNull();
		expect(budget.spentTokens).toBe(200);
	});

	test('a dollar budget never sends a job of unknown price', () => {
		expect(new Budget({usd: 5}).tryReserve(10, null)).toBeNull();
	});

	test('spent never exceeds the budget, over random job sizes and concurrency', {timeout: 60_000}, async () => {
		let ran = 0;
		let skipped = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.record({words: fc.integer({min: 1, max: 300}), cap: fc.integer({min: 16, max: 400})}), {minLength: 1, maxLength: 25}),
				fc.integer({min: 1, max: 16}),
				fc.integer({min: 200, max: 8000}),
				fc.option(fc.double({min: 0.0005, max: 0.02, noNaN: true}), {nil: undefined}),
				async (sizes, concurrency, budgetTokens, budgetUsd) => {
					const jobs: JobSpec[] = sizes.map((s, i) => {
						const text = words(s.words, i);
						return {id: `j${i}`, line: i + 1, input: text, text, maxOutputTokens: s.cap};
					});
					const {summary, store} = await runBatch(jobs, {
						concurrency,
						budgetTokens,
						budgetUsd,
						maxRetries: 1,
						backoffBaseMs: 1,
						endpoint: {kind: 'api', apiKey: 'sk-test-key-000000', baseURL: sim.url},
					});
					let spentTokens = 0;
					for (const id of store.getState().order) {
						const job = store.getState().jobs.get(id)!;
						if (job.usage) spentTokens += job.usage.total_tokens;
						if (job.status === 'skipped') expect(job.error!.kind).toBe('budget');
					}
					expect(spentTokens).toBeLessThanOrEqual(budgetTokens);
					expect(summary.budget!.spentTokens).toBe(spentTokens);
					if (budgetUsd != null) expect(summary.budget!.spentUsd).toBeLessThanOrEqual(budgetUsd + 1e-12);
					expect(summary.succeeded + summary.skipped + summary.failed).toBe(jobs.length);
					ran += summary.succeeded;
					skipped += summary.skipped;
				},
			),
			{numRuns: 40},
		);
		// The property means something only if budgets both admitted and refused jobs.
		expect(ran).toBeGreaterThan(20);
		expect(skipped).toBeGreaterThan(20);
	});
});
