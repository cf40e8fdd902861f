import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import {Progress, splitCells} from '../../src/components/Progress.js';
import {prompts, simRun, stripAnsi} from '../helpers/terminal.js';

test('splitCells shares the cells out in proportion and always fills the width', () => {
	expect(splitCells([1, 1], 10)).toEqual([5, 5]);
	expect(splitCells([0, 0, 0], 7)).toEqual([0, 0, 7]);
	for (const values of [[3, 0, 7, 1], [1, 1, 1], [99_999, 1, 0]]) {
		expect(splitCells(values, 53).reduce((a, b) => a + b, 0)).toBe(53);
	}
});

test('shows a bar, ended/total and the count of every status after a run with permanent failures', async () => {
	const run = await simRun(prompts(12), {profile: 'calm', seed: 3, sim: {faults: {badRequest: 0.3}}});
	await run.runner.run();
	const {counts} = run.store.getState();
	expect(counts.failed).toBeGreaterThan(0);
	const view = render(<Progress view={run.store} width={120} />);
	const [bar, line] = stripAnsi(view.lastFrame()!).split('\n');
	expect(bar).toContain('12/12 100%');
	expect(bar).toContain('█');
	expect(bar).toContain('▓');
	expect(line).toContain(`✓ ${counts.succeeded} succeeded`);
	expect(line).toContain(`✗ ${counts.failed} failed`);
	expect(line).toContain('· 0 queued');
	view.unmount();
	await run.finish();
});

test('narrow terminals get short labels, then glyphs and numbers only', async () => {
	const run = await simRun(prompts(3));
	const wide = render(<Progress view={run.store} width={120} />);
	expect(wide.lastFrame()).toContain('waiting to retry');
	const mid = render(<Progress view={run.store} width={72} />);
	expect(mid.lastFrame()).toContain('↻ 0 wait');
	const narrow = render(<Progress view={run.store} width={40} />);
	expect(stripAnsi(narrow.lastFrame()!).split('\n')[1]).toBe('· 3  ▸ 0  ↻ 0  ✓ 0  ✗ 0  ⊘ 0  – 0');
	for (const view of [wide, mid, narrow]) view.unmount();
	await run.finish();
});
