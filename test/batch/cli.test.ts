/** `pacer run --batch-api` and `pacer count --batch-api` as a user runs them (dist/cli.js). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {readState, statePathFor} from '../../src/batch/stateFile.js';
import {EXIT} from '../../src/exitCodes.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, ROOT, runCli, startCli} from '../helpers/cli.js';
import {waitUntil} from '../helpers/wait.js';
import {tempDir} from './helpers.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
const open: Simulator[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(s => s.close()));
});

const demo = path.join(ROOT, 'examples', 'prompts.txt');
const demoIds = fs
	.readFileSync(demo, 'utf8')
	.split('\n')
	.map((line, i) => (line.trim() ? `line-${i + 1}` : null))
	.filter((id): id is string => id !== null);

describe('pacer run --batch-api', () => {
	test('the demo through the Batch API: each status change a line, every record with its batch, half the live cost', {timeout: 60_000}, async () => {
		const live = path.join(dir, 'live.jsonl');
		const batch = path.join(dir, 'batch.jsonl');
		const liveRun = await runCli(['run', demo, '--sim', '--no-tui', '--json', '--out', live]);
		const batchRun = await runCli(['run', demo, '--sim', '--batch-api', '--no-tui', '--out', batch]);
		expect(liveRun.code).toBe(0);
		expect(batchRun.code).toBe(0);
		expect(batchRun.stdout).toMatch(/pacer: batch 1\/1 file-\S+ creating/);
		expect(batchRun.stdout).toMatch(/pacer: batch 1\/1 batch_\S+ completed 40\/40 done/);
		expect(batchRun.stdout).toMatch(/40 prompts in [\d.]+s: 40 succeeded/);
		const records = readRecords(batch);
		expect(records.map(r => r.id)).toEqual(demoIds);
		expect(new Set(records.map(r => (r as {batch_id?: string}).batch_id))).toEqual(new Set([readState(statePathFor(batch))!.parts[0]!.batchId]));
		const liveCost = JSON.parse(liveRun.stdout.trim().split('\n').at(-1)!).costUsd as number;
		const batchCost = Number(/cost \$([\d.]+)/.exec(batchRun.stdout)![1]);
		expect(batchCost).toBeCloseTo(liveCost / 2, 4);
	});

	test('Ctrl+C detaches and says how to re-attach; --resume collects the same batch', {timeout: 60_000}, async () => {
		const sim = await startSimulator({latencyScale: 0, batchTimeScale: 0.03});
		open.push(sim);
		const openai = new OpenAI({apiKey: 'sk-test-local', baseURL: sim.url, maxRetries: 0});
		const out = path.join(dir, 'detach.jsonl');
		const env = {OPENAI_API_KEY: 'sk-test-local'};
		const args = ['run', demo, '--batch-api', '--no-tui', '--base-url', sim.url, '--out', out];
		const first = startCli(args, {env});
		await waitUntil(() => /in_progress/.test(first.output()), 'the batch under way', {timeoutMs: 20_000, seen: first.output});
		first.child.kill('SIGINT');
		const detached = await first.done;
		expect(detached.code).toBe(EXIT.interrupted);
		expect(detached.stdout).toContain(`Re-attach with: pacer run ${demo} --batch-api --resume --out ${out}`);
		const state = readState(statePathFor(out))!;
		expect(state.parts[0]!.batchId).toMatch(/^batch_/);
		expect(state.parts[0]!.collected).toBe(false);

		const resumed = await runCli([...args, '--resume'], {env});
		expect(resumed.code).toBe(0);
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(demoIds);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		let batches = 0;
		for await (const _ of openai.batches.list()) batches++;
		expect(batches).toBe(1);
		expect((await openai.files.list({purpose: 'batch'})).data).toHaveLength(1);
	});

	test('with the built-in simulator a signal ends its batches too: --resume says so, a new run starts over', {timeout: 60_000}, async () => {
		const out = path.join(dir, 'builtin.jsonl');
		const args = ['run', demo, '--sim', '--batch-api', '--sim-batch-time-scale', '0.05', '--no-tui', '--out', out];
		const first = startCli(args);
		await waitUntil(() => /in_progress/.test(first.output()), 'the batch under way', {timeoutMs: 20_000, seen: first.output});
		first.child.kill('SIGINT');
		const stopped = await first.done;
		expect(stopped.code).toBe(EXIT.interrupted);
		expect(stopped.stdout).toContain('the built-in simulator ends with pacer, and its batches with it');
		expect(stopped.stdout).not.toContain('Re-attach with');
		expect(readState(statePathFor(out))!.parts[0]!.batchId).toMatch(/^batch_/);

		const resumed = await runCli([...args, '--resume']);
		expect(resumed.code).toBe(EXIT.usage);
		expect(resumed.stderr).toMatch(/builtin\.jsonl\.batches\.json: its batches \(batch_\S+\) were on the built-in simulator of an earlier pacer process/);

		const again = await runCli(args.map(a => (a === '0.05' ? '0.005' : a)));
		expect(again.code).toBe(0);
		expect(readRecords(out).map(r => r.status)).toEqual(demoIds.map(() => 'succeeded'));
	});

	test('--sim-batch-expire-after with --then-live: the expired prompts succeed live', {timeout: 60_000}, async () => {
		const out = path.join(dir, 'expire.jsonl');
		const result = await runCli(['run', demo, '--sim', '--batch-api', '--then-live', '--sim-batch-expire-after', '30', '--no-tui', '--out', out]);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/batch 1\/1 batch_\S+ expired 40\/40 done, 10 failed: the 24 h window closed/);
		expect(result.stdout).toContain('pacer: --then-live: 10 prompt(s) that failed or expired in their batch go live');
		expect(result.stdout).toMatch(/failed +attempt 1 timeout: This request could not be executed before the completion window expired/);
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(demoIds);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		expect(records.filter(r => !(r as {batch_id?: string}).batch_id)).toHaveLength(10);
	});

	test('usage errors: --then-live alone, --batch-api with --on-long summarize', async () => {
		const a = await runCli(['run', demo, '--sim', '--then-live', '--no-tui', '--out', path.join(dir, 'x.jsonl')]);
		expect(a.code).toBe(EXIT.usage);
		expect(a.stderr).toMatch(/--then-live goes with --batch-api/);
		const b = await runCli(['run', demo, '--sim', '--batch-api', '--on-long', 'summarize', '--max-input-tokens', '10', '--no-tui', '--out', path.join(dir, 'y.jsonl')]);
		expect(b.code).toBe(EXIT.usage);
		expect(b.stderr).toMatch(/cannot go with --batch-api/);
	});
});

describe('pacer count --batch-api', () => {
	test('shows the live and the batch price, the batch at half', async () => {
		const result = await runCli(['count', demo, '--batch-api']);
		expect(result.code).toBe(0);
		const live = /live +\$([\d.]+) \.\. \$([\d.]+)/.exec(result.stdout)!;
		const batch = /Batch API +\$([\d.]+) \.\. \$([\d.]+)/.exec(result.stdout)!;
		expect(Number(batch[2])).toBeCloseTo(Number(live[2]) / 2, 3);
		const json = JSON.parse((await runCli(['count', demo, '--batch-api', '--json'])).stdout);
		expect(json.batchCostUsd.max).toBeCloseTo(json.costUsd.max / 2, 12);
		expect(json.batchCostUsd.min).toBeCloseTo(json.costUsd.min / 2, 12);
	});
});
