/** How each ending of a batch becomes records: parts, cancel, expiry with --then-live, a failed validation, the budget. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI, {toFile} from 'openai';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import type {BatchRow} from '../../src/batch/batchRow.js';
import {readState, statePathFor, writeState} from '../../src/batch/stateFile.js';
import {costUsd, priceFor} from '../../src/core/prices.js';
import {prepareRun, runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/sim/index.js';
import {waitUntil} from '../helpers/wait.js';
import {fast, prompts, readRecords, tempDir} from './helpers.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
const open: Simulator[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(s => s.close()));
});

async function simulator(options: SimulatorOptions = {}): Promise<{sim: Simulator; openai: OpenAI; endpoint: {kind: 'api'; apiKey: string; baseURL: string}}> {
	const sim = await startSimulator({latencyScale: 0, batchTimeScale: 0.001, rpm: Infinity, tpm: Infinity, ...options});
	open.push(sim);
	return {sim, openai: new OpenAI({apiKey: 'sk-test-local', baseURL: sim.url, maxRetries: 0}), endpoint: {kind: 'api', apiKey: 'sk-test-local', baseURL: sim.url}};
}

async function allBatches(openai: OpenAI): Promise<OpenAI.Batches.Batch[]> {
	const out: OpenAI.Batches.Batch[] = [];
	for await (const batch of openai.batches.list({limit: 100})) out.push(batch);
	return out;
}

describe('--batch-api outcomes', () => {
	test('a file over the part limits goes as several batches, each naming the run and its part', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'parts.jsonl');
		const result = await runBatch(prompts(10), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 4}});
		expect(result.summary.succeeded).toBe(10);
		const state = readState(statePathFor(out))!;
		expect(state.parts.map(p => [p.firstLine, p.lastLine, p.requests])).toEqual([
			[1, 4, 4],
			[5, 8, 4],
			[9, 10, 2],
		]);
		const batches = await allBatches(openai);
		expect(batches).toHaveLength(3);
		expect(batches.map(b => b.metadata?.pacer_part).sort()).toEqual(['1/3', '2/3', '3/3']);
		expect(new Set(batches.map(b => b.metadata?.pacer_run))).toEqual(new Set([state.runId]));
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(prompts(10).map((_, i) => `item-${i + 1}`));
		for (const record of records) expect(record.batch_id).toBe(state.parts.find(p => record.line >= p.firstLine && record.line <= p.lastLine)!.batchId);
	});

	test('a byte limit cuts parts too', {timeout: 30_000}, async () => {
		const {endpoint} = await simulator();
		const out = path.join(dir, 'bytes.jsonl');
		const result = await runBatch(prompts(6), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxBytes: 400}});
		expect(result.summary.succeeded).toBe(6);
		const state = readState(statePathFor(out))!;
		expect(state.parts.length).toBeGreaterThan(1);
		for (const part of state.parts) expect(part.bytes).toBeLessThanOrEqual(400);
	});

	test('cancel: finished lines are kept, the rest end cancelled', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator({batchTimeScale: 0.02});
		const out = path.join(dir, 'cancel.jsonl');
		let rows: readonly BatchRow[] = [];
		const run = await prepareRun(prompts(40), {...fast, out, endpoint, model: 'gpt-4o-mini', onBatches: r => (rows = r)});
		const done = run.runner.run();
		const row = await waitUntil(() => rows.find(r => r.status === 'in_progress' && r.completed >= 2), 'the batch under way', {timeoutMs: 20_000, seen: () => JSON.stringify(rows)});
		run.batch!.cancelBatch(row.batchId!);
		const summary = await done;
		await run.finish();
		expect((await openai.batches.retrieve(row.batchId!)).status).toBe('cancelled');
		const records = readRecords(out);
		expect(records).toHaveLength(40);
		const cancelled = records.filter(r => r.status === 'cancelled');
		expect(summary.succeeded).toBeGreaterThanOrEqual(2);
		expect(cancelled.length).toBeGreaterThan(0);
		expect(summary.succeeded + summary.cancelled).toBe(40);
		for (const r of cancelled) expect(r.error).toMatchObject({kind: 'cancelled', code: 'batch_cancelled'});
		expect(rows[0]!.status).toBe('collected');
	});

	test('expiry: what the window closed on fails, and --then-live runs it live', {timeout: 30_000}, async () => {
		const {endpoint} = await simulator({batchExpireAfter: 3});
		const without = path.join(dir, 'expired.jsonl');
		const first = await runBatch(prompts(6), {...fast, out: without, endpoint, model: 'gpt-4o-mini'});
		expect(first.summary).toMatchObject({succeeded: 3, failed: 3});
		const expired = readRecords(without).filter(r => r.status === 'failed');
		for (const r of expired) expect(r.error).toMatchObject({kind: 'timeout', code: 'batch_expired'});

		// A simulator of the same seed shuffles its first batch the same way: the same three expire.
		const again = await simulator({batchExpireAfter: 3});
		const out = path.join(dir, 'then-live.jsonl');
		const run = await prepareRun(prompts(6), {...fast, out, endpoint: again.endpoint, model: 'gpt-4o-mini', thenLive: true});
		await run.runner.run();
		// Before the final compaction: six records from the batch (three failed), three from the live runs, none twice.
		expect(readRecords(out)).toHaveLength(9);
		const second = {summary: await run.finish()};
		expect(second.summary).toMatchObject({succeeded: 6, failed: 0, total: 6});
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(prompts(6).map((_, i) => `item-${i + 1}`));
		const byBatch = records.filter(r => r.batch_id);
		const byLive = records.filter(r => !r.batch_id);
		expect(byBatch).toHaveLength(3);
		expect(byLive.map(r => r.id).sort()).toEqual(expired.map(r => r.id).sort());
		// Three at the batch price, three at the live one.
		const price = priceFor('gpt-4o-mini')!;
		const cost = byBatch.reduce((s, r) => s + costUsd(r.usage!, price, {batch: true}), 0) + byLive.reduce((s, r) => s + costUsd(r.usage!, price), 0);
		expect(second.summary.costUsd).toBeCloseTo(cost, 10);
	});

	test('a batch that fails validation: each job fails, the line the provider named with its error', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'invalid.jsonl');
		// A run stopped right after its upload, as a crash would leave it...
		const run = await prepareRun(prompts(3), {...fast, out, endpoint, model: 'gpt-4o-mini', batchAfterStep: step => (step === 'uploaded' ? new Promise(() => {}) : undefined)});
		void run.runner.run();
		const statePath = statePathFor(out);
		await waitUntil(() => readState(statePath)?.parts[0]?.fileId, 'the upload on disk');
		run.finishNow();
		// ...whose file holds a line the provider refuses (streaming is not allowed in a batch).
		const lines = (await (await openai.files.content(readState(statePath)!.parts[0]!.fileId!)).text()).trim().split('\n');
		const second = JSON.parse(lines[1]!);
		second.body.stream = true;
		lines[1] = JSON.stringify(second);
		const bad = await openai.files.create({file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'bad.jsonl'), purpose: 'batch'});
		const state = readState(statePath)!;
		state.parts[0]!.fileId = bad.id;
		writeState(statePath, state);

		const resumed = await runBatch(prompts(3), {...fast, out, endpoint, model: 'gpt-4o-mini', resume: true});
		expect(resumed.summary.failed).toBe(3);
		const records = readRecords(out);
		expect(records.map(r => r.status)).toEqual(['failed', 'failed', 'failed']);
		expect(records[1]!.error!.message).toMatch(/failed validation: line 2 of the batch file: Streaming is not supported/);
		expect(records[0]!.error!.message).toMatch(/not run: the batch failed validation \(Streaming is not supported.*line 2/);
		expect(records[0]!.batch_id).toMatch(/^batch_/);
	});

	test('--budget-usd: parts whose worst case does not fit are not submitted, their jobs skipped', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'budget.jsonl');
		// gpt-4o-mini at batch price: 4 prompts of ~20 tokens with 256 output tokens each cost about $0.0003 at worst.
		const result = await runBatch(prompts(10), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 4}, budgetUsd: 0.0005});
		expect(result.summary).toMatchObject({succeeded: 4, skipped: 6});
		expect(await allBatches(openai)).toHaveLength(1);
		const skipped = readRecords(out).filter(r => r.status === 'skipped');
		expect(skipped.map(r => r.line)).toEqual([5, 6, 7, 8, 9, 10]);
		for (const r of skipped) expect(r.error).toMatchObject({kind: 'budget'});
		expect(result.summary.budget!.spentUsd).toBeLessThanOrEqual(0.0005);
	});
});

describe('--batch-api stops and skips', () => {
	test('a key the provider refuses stops the run at the upload: nothing is created, every prompt skipped with the auth error', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator({apiKey: 'sk-test-local'});
		const out = path.join(dir, 'auth.jsonl');
		const result = await runBatch(prompts(3), {...fast, out, endpoint: {...endpoint, apiKey: 'sk-test-wrong'}, model: 'gpt-4o-mini'});
		expect(result.summary).toMatchObject({stopKind: 'auth', skipped: 3});
		expect(result.summary.stopReason).toMatch(/^files.create: Incorrect API key/);
		expect(result.summary.stopReason).not.toContain('sk-test-wrong');
		for (const r of readRecords(out)) expect(r.error).toMatchObject({kind: 'auth', status: 401});
		expect(await allBatches(openai)).toHaveLength(0);
	});

	test('--resume builds no line for a prompt whose success is already in --out', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'after-live.jsonl');
		await runBatch(prompts(3), {out, endpoint, model: 'gpt-4o-mini'});
		const resumed = await runBatch(prompts(5), {...fast, out, endpoint, model: 'gpt-4o-mini', resume: true});
		expect(resumed.summary).toMatchObject({total: 2, succeeded: 2});
		const [part] = readState(statePathFor(out))!.parts;
		const lines = (await (await openai.files.content(part!.fileId!)).text()).trim().split('\n');
		expect(lines.map(l => JSON.parse(l).custom_id)).toEqual(['item-4', 'item-5']);
		expect(readRecords(out).map(r => r.id)).toEqual(prompts(5).map((_, i) => `item-${i + 1}`));
	});
});

