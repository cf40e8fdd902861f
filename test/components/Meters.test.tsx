import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import {budgetText, costText, Meters} from '../../src/components/Meters.js';
import {formatInt} from '../../src/components/format.js';
import {prompts, simRun, stripAnsi} from '../helpers/terminal.js';

test('tokens, cost, rates against the learned limits, 429s, retries and concurrency after a run', async () => {
	const run = await simRun(prompts(8), {profile: 'calm', seed: 2, concurrency: 3, sim: {faults: {rateLimit: 0.3}}});
	await run.runner.run();
	const {totals} = run.store.getState();
	const [money, rates] = stripAnsi(render(<Meters view={run.store} width={120} />).lastFrame()!).split('\n');
	expect(money).toContain(`tokens in ${formatInt(totals.tokensIn)} out ${formatInt(totals.tokensOut)}`);
	expect(money).toMatch(/cost \$0\.\d{4}/);
	expect(rates).toMatch(/rpm \d+\/\d+ · tpm [\d.k]+\/[\d.k]+ \(learned\)/);
	expect(rates).toContain(`429s ${totals.rateLimited}`);
	expect(rates).toContain(`retries ${totals.retries}`);
	expect(rates).toContain('concurrency 3 fixed');
	await run.finish();
});

test('a model without a price shows its cost as unknown, never $0', async () => {
	const run = await simRun(prompts(2), {model: 'gpt-9-unpriced'});
	await run.runner.run();
	expect(stripAnsi(render(<Meters view={run.store} width={100} />).lastFrame()!)).toContain('cost unknown');
	expect(costText({costUsd: 0.5, unpricedJobs: 1})).toBe('$0.5000 + unknown');
	await run.finish();
});

test('a budget shows what is spent and what is left', async () => {
	const run = await simRun(prompts(4), {budgetTokens: 50_000});
	await run.runner.run();
	run.runner.close();
	const frame = stripAnsi(render(<Meters view={run.store} width={160} />).lastFrame()!);
	expect(frame).toMatch(/budget [\d.k]+\/50k tokens \([\d.k]+ left\)/);
	expect(budgetText({tokens: null, usd: 2, spentTokens: 0, spentUsd: 0.5})).toBe('budget $0.5000/$2.00 ($1.50 left)');
	await run.finish();
});
