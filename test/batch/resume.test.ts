/**
 * A --batch-api run cut off between its steps (as a crash leaves it: the state file on
 * disk, the process gone), then --resume: nothing is uploaded or created twice, and every
 * prompt gets its record.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {readState, statePathFor, writeState} from '../../src/batch/stateFile.js';
import {prepareRun, runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {waitUntil} from '../helpers/wait.js';
import {fast, prompts, readRecords, tempDir} from './helpers.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
const open: Simulator[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(s => s.close()));
});

async function simulator() {
	const sim = await startSimulator({latencyScale: 0, batchTimeScale: 0.001, rpm: Infinity, tpm: Infinity});
	open.push(sim);
	return {openai: new OpenAI({apiKey: 'sk-test-local', baseURL: sim.url, maxRetries: 0}), endpoint: {kind: 'api' as const, apiKey: 'sk-test-local', baseURL: sim.url}};
}

async function counts(openai: OpenAI): Promise<{files: number; batches: number}> {
	const files = (await openai.files.list({purpose: 'batch'})).data.length;
	let batches = 0;
	for await (const _ of openai.batches.list({limit: 100})) batches++;
	return {files, batches};
}

/** A run that stops dead once `step` of part `part` is on disk, and is dropped there. */
async function crashAfter(step: 'uploaded' | 'created', out: string, endpoint: {kind: 'api'; apiKey: string; baseURL: string}, jobs: string[], part = 1) {
	const run = await prepareRun(jobs, {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}, batchAfterStep: (s, p) => (s === step && p === part ? new Promise(() => {}) : undefined)});
	void run.runner.run();
	const key = step === 'uploaded' ? 'fileId' : 'batchId';
	await waitUntil(() => readState(statePathFor(out))?.parts[part - 1]?.[key], `part ${part} ${step} on disk`);
	// The process is gone: it looks at nothing more, and its lock and results file are let go.
	run.batch!.detach();
	run.finishNow();
}

describe('--batch-api --resume after a crash', () => {
	test('after the upload: the file is used as it is, one batch is created for it', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'after-upload.jsonl');
		await crashAfter('uploaded', out, endpoint, prompts(5));
		expect(await counts(openai)).toEqual({files: 1, batches: 0});
		const fileId = readState(statePathFor(out))!.parts[0]!.fileId;

		const resumed = await runBatch(prompts(5), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}, resume: true});
		expect(resumed.summary.succeeded).toBe(5);
		const state = readState(statePathFor(out))!;
		expect(state.parts[0]!.fileId).toBe(fileId);
		// Two parts: each uploaded once and created once, the crash notwithstanding (plus the two output files).
		const batches = [];
		for await (const batch of openai.batches.list({limit: 100})) batches.push(batch);
		expect(batches.map(b => b.input_file_id).sort()).toEqual(state.parts.map(p => p.fileId).sort());
		expect(await counts(openai)).toEqual({files: 2, batches: 2});
		expect(readRecords(out).map(r => r.id)).toEqual(prompts(5).map((_, i) => `item-${i + 1}`));
	});

	test('during the upload (the file reached the provider, its id never the disk): that file is found, not sent again', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'during-upload.jsonl');
		await crashAfter('uploaded', out, endpoint, prompts(2));
		const state = readState(statePathFor(out))!;
		const uploaded = state.parts[0]!.fileId;
		// As the state stood before the upload's answer was saved.
		state.parts[0]!.fileId = null;
		state.parts[0]!.status = 'uploading';
		writeState(statePathFor(out), state);

		const resumed = await runBatch(prompts(2), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}, resume: true});
		expect(resumed.summary.succeeded).toBe(2);
		expect(readState(statePathFor(out))!.parts[0]!.fileId).toBe(uploaded);
		expect(await counts(openai)).toEqual({files: 1, batches: 1});
	});

	test('after the create: the batch is re-attached, nothing new is uploaded or created', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'after-create.jsonl');
		await crashAfter('created', out, endpoint, prompts(5), 2);
		expect(await counts(openai)).toEqual({files: 2, batches: 2});

		// Part 1 may have been collected before the crash: resume counts it as done.
		const before = fs.existsSync(out) ? readRecords(out).filter(r => r.status === 'succeeded').length : 0;
		const resumed = await runBatch(prompts(5), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}, resume: true});
		expect(resumed.summary.succeeded).toBe(5 - before);
		expect(await counts(openai)).toEqual({files: 2, batches: 2});
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(prompts(5).map((_, i) => `item-${i + 1}`));
		const state = readState(statePathFor(out))!;
		expect(new Set(records.map(r => r.batch_id))).toEqual(new Set(state.parts.map(p => p.batchId)));
	});

	test('between the create and its save: the batch is found by its metadata, not created again', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'unsaved-create.jsonl');
		await crashAfter('uploaded', out, endpoint, prompts(2));
		const state = readState(statePathFor(out))!;
		// The create reached the provider, but the process died before saving its id.
		const made = await openai.batches.create({input_file_id: state.parts[0]!.fileId!, endpoint: '/v1/responses', completion_window: '24h', metadata: {pacer_run: state.runId, pacer_part: '1/1'}});

		const resumed = await runBatch(prompts(2), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}, resume: true});
		expect(resumed.summary.succeeded).toBe(2);
		expect(await counts(openai)).toEqual({files: 1, batches: 1});
		expect(readState(statePathFor(out))!.parts[0]!.batchId).toBe(made.id);
		expect(readRecords(out).every(r => r.batch_id === made.id)).toBe(true);
	});

	test('a new run (no --resume) over batches still out refuses, naming them', {timeout: 30_000}, async () => {
		const {openai, endpoint} = await simulator();
		const out = path.join(dir, 'refuse.jsonl');
		await crashAfter('created', out, endpoint, prompts(2));
		const batchId = readState(statePathFor(out))!.parts[0]!.batchId!;
		const before = fs.readFileSync(out, 'utf8');
		await expect(runBatch(prompts(2), {...fast, out, endpoint, model: 'gpt-4o-mini', batchLimits: {maxRequests: 3}})).rejects.toThrow(new RegExp(`still has batches at the provider \\(${batchId}\\); re-attach with --resume`));
		expect(await counts(openai)).toEqual({files: 1, batches: 1});
		// The results of the run still out are kept as they were.
		expect(fs.readFileSync(out, 'utf8')).toBe(before);
	});

	test('--resume with other options (another model) refuses rather than mix two runs', {timeout: 30_000}, async () => {
		const {endpoint} = await simulator();
		const out = path.join(dir, 'other-input.jsonl');
		await crashAfter('created', out, endpoint, prompts(2));
		await expect(runBatch(prompts(2), {...fast, out, endpoint, model: 'gpt-4.1-mini', batchLimits: {maxRequests: 3}, resume: true})).rejects.toThrow(/made for another input or other options/);
	});
});
