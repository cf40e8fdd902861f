import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import {FilterBar} from '../../src/components/FilterBar.js';
import {formatInt} from '../../src/components/format.js';
import {Summary} from '../../src/components/Summary.js';
import {prompts, simRun, stripAnsi} from '../helpers/terminal.js';

test('the summary: outcome counts, attempts, tokens, cost and where the results are', async () => {
	const run = await simRun(prompts(10), {seed: 5, sim: {faults: {badRequest: 0.3}}});
	await run.runner.run();
	const {counts, totals} = run.store.getState();
	const frame = stripAnsi(render(<Summary view={run.store} width={120} outPath="out/results.jsonl" rows={4} />).lastFrame()!);
	const lines = frame.split('\n');
	expect(lines).toHaveLength(4);
	expect(lines[0]).toMatch(new RegExp(`^! done in \\d+\\.\\ds · 10 prompts: ${counts.succeeded} succeeded, ${counts.failed} failed, 0 cancelled, 0 skipped`));
	expect(lines[1]).toContain(`attempts ${totals.attempts} (${totals.retries} retries, ${totals.rateLimited} × 429) · tokens in ${formatInt(totals.tokensIn)} out ${formatInt(totals.tokensOut)} · cost $`);
	expect(lines[3]).toContain('results → out/results.jsonl');
	const short = stripAnsi(render(<Summary view={run.store} width={120} outPath={null} rows={2} />).lastFrame()!);
	expect(short.split('\n')).toHaveLength(2);
	expect(short).toContain('results kept in memory');
	await run.finish();
});

test('a run stopped early says why', async () => {
	const run = await simRun(prompts(6), {latencyScale: 1});
	const running = run.runner.run();
	await run.runner.stop({reason: 'quit from the dashboard'});
	await running;
	const frame = stripAnsi(render(<Summary view={run.store} width={120} outPath={null} rows={4} />).lastFrame()!);
	expect(frame).toContain('stopped: quit from the dashboard');
	expect(frame).toContain('6 skipped');
	await run.finish();
});

test('the filter bar shows the query, the status filter and how many jobs match', () => {
	const typing = stripAnsi(render(<FilterBar query="haiku" editing status="all" matches={3} total={40} />).lastFrame()!);
	expect(typing).toBe('/haiku   status all  3 of 40  ⏎ keep  esc clear');
	const kept = stripAnsi(render(<FilterBar query="" editing={false} status="failed" matches={1_234} total={100_000} />).lastFrame()!);
	expect(kept).toBe('/status failed  1,234 of 100,000  esc clears');
});
