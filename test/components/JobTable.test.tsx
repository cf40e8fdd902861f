import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {JobRow, statusText} from '../../src/components/JobRow.js';
import {JobTable} from '../../src/components/JobTable.js';
import {tableColumns} from '../../src/components/layout.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {prompts, simRun, stopSimRuns, stripAnsi, waitUntil} from '../helpers/terminal.js';

let run: PreparedRun | null = null;
afterEach(stopSimRuns);

const columns = tableColumns(100, {line: 100, id: 8});

test('renders only the visible rows, from the offset, with the selected one marked', async () => {
	run = await simRun(prompts(100));
	const {order} = run.store.getState();
	const table = render(<JobTable view={run.store} ids={order} offset={50} selectedIndex={52} rows={6} width={100} now={0} />);
	const lines = stripAnsi(table.lastFrame()!).split('\n');
	expect(lines).toHaveLength(6);
	expect(lines[0]).toMatch(/#\s+id\s+status\s+try\s+in\s+out\s+latency prompt/);
	expect(lines.slice(1).map(line => line.match(/line-\d+/)?.[0])).toEqual(['line-51', 'line-52', 'line-53', 'line-54', 'line-55']);
	expect(lines[3]).toMatch(/^› +53 line-53 +· queued/);
	expect(lines[2]).toMatch(/^ +52 line-52/);
	table.unmount();
});

test('an empty filter result says so', async () => {
	run = await simRun(prompts(3));
	const table = render(<JobTable view={run.store} ids={[]} offset={0} selectedIndex={0} rows={5} width={80} now={0} />);
	expect(table.lastFrame()).toContain('no job matches the filter');
	table.unmount();
});

test('a waiting job counts down to its retry by the injected time', async () => {
	run = await simRun(prompts(1), {backoffBaseMs: 8000, backoffMaxMs: 8000, sim: {faults: {server500: 1}}});
	void run.runner.run();
	const job = await waitUntil(() => run!.store.getState().jobs.get('line-1')?.status === 'waiting' && run!.store.getState().jobs.get('line-1'), 'line-1 to wait for its retry');
	const retryAt = job.retryAt!;
	const row = render(<JobRow view={run.store} id="line-1" selected={false} columns={columns} now={retryAt - 3200} />);
	expect(stripAnsi(row.lastFrame()!)).toMatch(/line-1 +↻ retry in 3\.2s +1 /);
	row.rerender(<JobRow view={run.store} id="line-1" selected={false} columns={columns} now={retryAt - 1000} />);
	expect(row.lastFrame()).toContain('retry in 1.0s');
	row.unmount();
});

test('a streaming job counts its output tokens up; a finished one shows tokens and latency', async () => {
	run = await simRun(prompts(1), {latencyScale: 3, sim: {}});
	void run.runner.run();
	const streaming = await waitUntil(() => {
		const job = run!.store.getState().jobs.get('line-1')!;
		return job.status === 'running' && job.tokensOut > 0 && job;
	}, 'line-1 to stream its first tokens');
	const row = render(<JobRow view={run.store} id="line-1" selected columns={columns} now={streaming.startedAt! + 1500} />);
	const first = stripAnsi(row.lastFrame()!);
	expect(first).toMatch(new RegExp(`▸ running +1 +\\d+ +${streaming.tokensOut} +1\\.5s`));
	const later = await waitUntil(() => {
		const job = run!.store.getState().jobs.get('line-1')!;
		return job.tokensOut > streaming.tokensOut && job;
	}, 'line-1 to stream more tokens');
	expect(later.tokensOut).toBeGreaterThan(streaming.tokensOut);
	await run.runner.whenDone();
	const done = run.store.getState().jobs.get('line-1')!;
	row.rerender(<JobRow view={run.store} id="line-1" selected columns={columns} now={0} />);
	expect(stripAnsi(row.lastFrame()!)).toMatch(new RegExp(`✓ (done|truncated) +1 +${done.tokensIn} +${done.tokensOut} +\\d+\\.\\ds`));
	row.unmount();
});

test('a failed job names the error kind and status', async () => {
	run = await simRun(prompts(1), {sim: {faults: {badRequest: 1}}});
	await run.runner.run();
	const job = run.store.getState().jobs.get('line-1')!;
	expect(statusText(job, 0)).toBe('bad_request 400');
	const row = render(<JobRow view={run.store} id="line-1" selected={false} columns={columns} now={0} />);
	expect(stripAnsi(row.lastFrame()!)).toContain('✗ bad_request 400');
	row.unmount();
});
