/** A whole --batch-api cycle through the SDK against the simulator: upload, create, poll, collect. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {costUsd, priceFor} from '../../src/core/prices.js';
import {runBatch} from '../../src/runBatch.js';
import type {BatchRow} from '../../src/batch/batchRow.js';
import {readState, statePathFor} from '../../src/batch/stateFile.js';
import {fast, prompts, readRecords, simEndpoint, tempDir} from './helpers.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

describe('--batch-api: a whole cycle', () => {
	test('every prompt gets the record a live run writes, with the batch id, at half the price', {timeout: 30_000}, async () => {
		const jobs = prompts(12);
		const liveOut = path.join(dir, 'live.jsonl');
		const live = await runBatch(jobs, {out: liveOut, endpoint: simEndpoint(), model: 'gpt-4o-mini'});
		const batchOut = path.join(dir, 'batch.jsonl');
		const rows: BatchRow[][] = [];
		const batch = await runBatch(jobs, {...fast, out: batchOut, endpoint: simEndpoint(), model: 'gpt-4o-mini', onBatches: r => rows.push([...r])});

		const liveRecords = readRecords(liveOut);
		const batchRecords = readRecords(batchOut);
		expect(batchRecords.map(r => r.id)).toEqual(liveRecords.map(r => r.id));
		expect(batchRecords.every(r => r.status === 'succeeded')).toBe(true);
		const state = readState(statePathFor(batchOut))!;
		expect(state.parts).toHaveLength(1);
		const batchId = state.parts[0]!.batchId!;
		expect(batchId).toMatch(/^batch_/);
		for (const [i, record] of batchRecords.entries()) {
			expect(record.batch_id).toBe(batchId);
			expect(record.api).toBe('responses');
			// The simulator answers a batch line as the live route answers that prompt.
			expect(record.usage).toEqual(liveRecords[i]!.usage);
			expect(record.output).toBe(liveRecords[i]!.output);
		}
		const price = priceFor('gpt-4o-mini')!;
		const liveCost = liveRecords.reduce((sum, r) => sum + costUsd(r.usage!, price), 0);
		expect(live.summary.costUsd).toBeCloseTo(liveCost, 10);
		expect(batch.summary.costUsd).toBeCloseTo(liveCost / 2, 10);
		expect(batch.summary.succeeded).toBe(12);
		expect(state.parts[0]).toMatchObject({collected: true, requests: 12, status: 'collected'});
		// The rows went through the provider's statuses, ending collected.
		const statuses = new Set(rows.map(r => r[0]!.status));
		for (const status of ['uploading', 'creating', 'collected']) expect(statuses).toContain(status);
		expect(rows.at(-1)![0]).toMatchObject({completed: 12, failed: 0, batchId});
	});
});
