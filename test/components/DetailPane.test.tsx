import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {attemptLine, DetailPane, errorLine} from '../../src/components/DetailPane.js';
import {readResults} from '../../src/core/results.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {PREVIEW_CHARS} from '../../src/store/preview.js';
import {prompts, simRun, stopSimRuns, stripAnsi, waitUntil} from '../helpers/terminal.js';

let run: PreparedRun | null = null;
afterEach(stopSimRuns);

test('a failed job: the full prompt, the error kind/status/code/message and every attempt', async () => {
	const long = 'Summarise this long prompt that wraps onto more than one line of the pane because it goes on and on';
	run = await simRun(prompts(1, () => long), {sim: {faults: {badRequest: 1}}});
	await run.runner.run();
	const job = run.store.getState().jobs.get('line-1')!;
	const pane = render(<DetailPane view={run.store} id="line-1" width={60} height={12} now={0} />);
	const frame = stripAnsi(pane.lastFrame()!);
	expect(frame.split('\n')[0]).toMatch(/^line-1 · line 1 · ✗ bad_request 400 · 1 attempt · gpt-5\.4-m/);
	expect(frame).toMatch(/prompt +Summarise this long prompt that wraps onto more\n +than one line of the pane/);
	expect(frame).toContain('error     bad_request 400 invalid_prompt:');
	expect(errorLine(job.error!)).toContain(job.error!.message);
	expect(frame).toMatch(/attempts +#1 +at \+\d+\.\ds +took \d+\.\ds +failed bad_request 400/);
	expect(frame).toContain('output    (none)');
	expect(frame.split('\n').length).toBeLessThanOrEqual(12);
	pane.unmount();
});

test('retried attempts show the wait before the next one; the output is the reply', async () => {
	run = await simRun(prompts(1), {backoffBaseMs: 10, backoffMaxMs: 10, sim: {faults: {server500: 0.5}}, seed: 5, maxRetries: 8});
	await run.runner.run();
	const job = run.store.getState().jobs.get('line-1')!;
	expect(job.history.length).toBeGreaterThan(1);
	const pane = render(<DetailPane view={run.store} id="line-1" width={100} height={20} now={0} />);
	const frame = stripAnsi(pane.lastFrame()!);
	expect(frame).toContain(attemptLine(job.history[0], run.store.getState().run.startedAt!));
	expect(frame).toMatch(/#1 .* failed server 500 · retry after \d+\.\ds/);
	expect(frame).toMatch(new RegExp(`#${job.history.length} .* succeeded|truncated`));
	expect(frame).toContain(`output    ${job.output.split(' ').slice(0, 3).join(' ')}`);
	pane.unmount();
});

test('the output so far of a streaming job, its latest lines when it is long', async () => {
	run = await simRun(prompts(1), {latencyScale: 3});
	void run.runner.run();
	await waitUntil(() => run!.store.getState().jobs.get('line-1')!.output.length > 40, 'line-1 to stream over 40 characters');
	const pane = render(<DetailPane view={run.store} id="line-1" width={50} height={6} now={0} />);
	const frame = stripAnsi(pane.lastFrame()!);
	expect(frame).toContain('output…');
	expect(frame.split('\n').length).toBeLessThanOrEqual(6);
	pane.unmount();
});

test('an ended job: the store keeps the start of its reply, the pane reads the whole of it from the results file', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'pacer-pane-'));
	try {
		const out = join(dir, 'out.jsonl');
		run = await simRun(prompts(8), {out});
		await run.runner.run();
		const records = readResults(out).latest;
		const long = [...records.values()].find(record => (record.output?.length ?? 0) > PREVIEW_CHARS);
		expect(long, 'a reply longer than the store keeps').toBeDefined();
		const job = run.store.getState().jobs.get(long!.id)!;
		expect(job.output).toBe(long!.output!.slice(0, PREVIEW_CHARS));
		expect(job.outputWhole).toBe(false);
		const lastWords = long!.output!.trim().split(/\s+/).slice(-2).join(' ');
		const pane = render(<DetailPane view={run.store} id={long!.id} width={200} height={40} now={0} outPath={out} />);
		await waitUntil(() => stripAnsi(pane.lastFrame()!).replace(/\s+/g, ' ').includes(lastWords), `the pane to show the reply's last words "${lastWords}"`, {seen: () => pane.lastFrame()!});
		expect(stripAnsi(pane.lastFrame()!)).toContain(long!.request_id!);
		pane.unmount();
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});

test('an ended job with no results file to read shows the start the store keeps, marked as cut', async () => {
	run = await simRun(prompts(8));
	await run.runner.run();
	const job = [...run.store.getState().jobs.values()].find(j => !j.outputWhole);
	expect(job, 'a reply longer than the store keeps').toBeDefined();
	const pane = render(<DetailPane view={run.store} id={job!.id} width={120} height={20} now={0} />);
	const frame = stripAnsi(pane.lastFrame()!);
	expect(frame).toContain(`output    ${job!.output.slice(0, 20)}`);
	expect(frame).toContain('(its start only: no results file to read the rest from)');
	pane.unmount();
});
