/**
 * A whole run (the real engine, the real openai SDK, the simulator on loopback) whose
 * results file is on a disk that fills: dispatching holds at the first failed write, so
 * the run pays for no more than what was in flight then, and loses none of it; it goes
 * on by itself when there is room; a quit puts what is held in a fallback file, which
 * --resume merges back without sending any success again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {findFallbacks} from '../../src/core/fallback.js';
import {readResults} from '../../src/core/results.js';
import type {WriterEvent} from '../../src/core/resultsWriter.js';
import type {JobSpec} from '../../src/core/types.js';
import {prepareRun, type PreparedRun, type RunOptions} from '../../src/runBatch.js';
import {waitUntil} from '../helpers/wait.js';
import {readRecords} from '../helpers/cli.js';
import {openSmallDisk, type SmallDisk} from '../helpers/smallDisk.js';

let disk: SmallDisk;
let fallbackDir: string;
let dir: string;
const runs: PreparedRun[] = [];
beforeAll(() => {
	disk = openSmallDisk();
});
afterAll(() => disk.close());
beforeEach(() => {
	fallbackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-fallback-'));
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-replaced-'));
});
afterEach(async () => {
	for (const run of runs.splice(0)) {
		await run.runner.stop({abort: true});
		await run.finish();
	}
	disk.makeRoom();
	for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {force: true});
	fs.rmSync(fallbackDir, {recursive: true, force: true});
	fs.rmSync(dir, {recursive: true, force: true});
});

const jobs = (n: number): JobSpec[] =>
	Array.from({length: n}, (_, i) => ({id: `line-${i + 1}`, line: i + 1, input: `question number ${i + 1}`, text: `question number ${i + 1}`}));
const allIds = (n: number) => Array.from({length: n}, (_, i) => `line-${i + 1}`).sort();

interface Watched {
	run: PreparedRun;
	events: WriterEvent[];
	told(type: WriterEvent['type']): WriterEvent[];
	/** The simulator's request count and the requests in flight when the first write failed. */
	atFailure(): {requests: number; inFlight: number};
}

async function start(n: number, out: string, options: Partial<RunOptions> = {}): Promise<Watched> {
	const events: WriterEvent[] = [];
	let atFailure: {requests: number; inFlight: number} | null = null;
	let run: PreparedRun | null = null;
	run = await prepareRun(jobs(n), {
		out,
		concurrency: 4,
		maxOutputTokens: 32,
		endpoint: {kind: 'sim', profile: 'calm', seed: 4, options: {latencyScale: 0.1}},
		writerFs: disk.fs,
		retryWriteMs: 50,
		fallbackDirs: [fallbackDir],
		onResultsEvent: event => {
			events.push(event);
			if (event.type === 'write-failed' && !atFailure) atFailure = {requests: run!.simulator!.stats().requests, inFlight: event.inFlight ?? NaN};
		},
		...options,
	});
	runs.push(run);
	return {
		run,
		events,
		told: type => events.filter(e => e.type === type),
		atFailure: () => {
			if (!atFailure) throw new Error('no write failed');
			return atFailure;
		},
	};
}

/** Room for the lock and about two pages of results (a dozen or more records) before the disk is full. */
const ROOM = 3 * 4096;

describe('a results file on a disk that fills mid-run', () => {
	test('dispatching holds at the first failed write: no more requests than were in flight then, told once; a quit saves every held record to a fallback file', async () => {
		const n = 60;
		const out = path.join(disk.dir, 'out.jsonl');
		disk.fill(ROOM);
		const {run, told, atFailure} = await start(n, out);
		const done = run.runner.run();
		await waitUntil(() => told('write-failed').length > 0, 'the first failed write', {timeoutMs: 30_000});
		expect(run.runner.held).not.toBeNull();
		expect(run.store.getState().disk).toMatchObject({state: 'held', path: out, message: expect.stringMatching(/^no space left on the device \(ENOSPC/)});
		await waitUntil(() => run.store.getState().counts.running === 0, 'the requests in flight to finish', {timeoutMs: 30_000});
		const queued = run.store.getState().counts.queued;
		expect(queued).toBeGreaterThan(0);

		await run.runner.stop({reason: 'quit'});
		await done;
		await run.finish();
		const sent = run.simulator!.stats().requests;
		expect(sent - atFailure().requests).toBeLessThanOrEqual(atFailure().inFlight);
		expect(told('write-failed')).toHaveLength(1);
		expect(told('write-recovered')).toHaveLength(0);

		const saved = run.fallback!;
		expect(saved.path).toBe(findFallbacks(out, [fallbackDir])[0]);
		const onDisk = readRecords(out);
		const inFallback = readRecords(saved.path!);
		expect(inFallback).toHaveLength(saved.records);
		const ids = [...onDisk, ...inFallback].map(r => r.id);
		expect(ids.sort()).toEqual(allIds(n));
		// Every answer the simulator sent is a success somewhere: nothing paid for was lost.
		expect([...onDisk, ...inFallback].filter(r => r.status === 'succeeded')).toHaveLength(sent);
		expect(inFallback.filter(r => r.status === 'skipped')).toHaveLength(queued);
	}, 60_000);

	test('when there is room again the held records are written in order and the run goes on by itself', async () => {
		const n = 40;
		const out = path.join(disk.dir, 'out.jsonl');
		disk.fill(ROOM);
		const {run, told, atFailure} = await start(n, out);
		const done = run.runner.run();
		await waitUntil(() => told('write-failed').length > 0, 'the first failed write', {timeoutMs: 30_000});
		await waitUntil(() => run.store.getState().counts.running === 0, 'the requests in flight to finish', {timeoutMs: 30_000});
		// A user's pause and resume while held do not lift the hold...
		run.runner.pause();
		run.runner.resume();
		expect(run.runner.held).not.toBeNull();
		// ...and a user's pause is still there after the disk recovers.
		run.runner.pause();
		disk.makeRoom();
		await waitUntil(() => told('write-recovered').length > 0, 'the writes to go through again', {timeoutMs: 30_000});
		expect(run.simulator!.stats().requests - atFailure().requests).toBeLessThanOrEqual(atFailure().inFlight);
		expect(run.runner.held).toBeNull();
		expect(run.store.getState().run.phase).toBe('paused');
		expect(run.store.getState().disk).toMatchObject({state: 'recovered', until: expect.any(Number)});
		run.runner.resume();
		await done;
		await run.finish();
		expect(run.fallback).toBeNull();
		const records = readRecords(out);
		expect(records.map(r => r.id).sort()).toEqual(allIds(n));
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		expect(run.simulator!.stats().requests).toBe(n);
		expect(told('write-failed')).toHaveLength(1);
		expect(told('write-recovered')).toHaveLength(1);
	}, 60_000);

	test('--resume merges the fallback file once there is room and sends no success again', async () => {
		const n = 40;
		const out = path.join(disk.dir, 'out.jsonl');
		disk.fill(ROOM);
		const first = await start(n, out);
		const done = first.run.runner.run();
		await waitUntil(() => first.told('write-failed').length > 0, 'the first failed write', {timeoutMs: 30_000});
		await first.run.runner.stop({reason: 'quit'});
		await done;
		await first.run.finish();
		const fallbackFile = first.run.fallback!.path!;
		const inFallback = readRecords(fallbackFile).length;
		const succeeded = new Set([...readRecords(out), ...readRecords(fallbackFile)].filter(r => r.status === 'succeeded').map(r => r.id));
		expect(succeeded.size).toBeGreaterThan(0);

		disk.makeRoom();
		const second = await start(n, out, {resume: true});
		expect(second.run.merged).toEqual({files: [fallbackFile], records: inFallback});
		// Merged and on disk: the fallback file has done its job.
		expect(fs.existsSync(fallbackFile)).toBe(false);
		expect(second.run.alreadyDone).toBe(succeeded.size);
		await second.run.runner.run();
		await second.run.finish();
		expect(second.run.simulator!.stats().requests).toBe(n - succeeded.size);
		// The latest record of each id counts; a small disk may have no room for the final compaction, which then says so.
		const latest = readResults(out).latest;
		expect([...latest.keys()].sort()).toEqual(allIds(n));
		expect([...latest.values()].every(r => r.status === 'succeeded')).toBe(true);
		if (second.run.compactError) expect(second.run.compactError).toMatch(/could not compact .*no space left on the device.*the file is unchanged/);
		else expect(readRecords(out)).toHaveLength(n);
	}, 60_000);
});

test('a new run without --resume replaces --out and removes its fallback files with it', async () => {
	const out = path.join(disk.dir, 'out.jsonl');
	disk.fill(ROOM);
	const first = await start(30, out);
	const done = first.run.runner.run();
	await waitUntil(() => first.told('write-failed').length > 0, 'the first failed write', {timeoutMs: 30_000});
	await first.run.runner.stop({reason: 'quit'});
	await done;
	await first.run.finish();
	const fallbackFile = first.run.fallback!.path!;
	expect(fs.existsSync(fallbackFile)).toBe(true);

	disk.makeRoom();
	const second = await start(5, out);
	expect(second.run.discarded).toEqual([fallbackFile]);
	expect(fs.existsSync(fallbackFile)).toBe(false);
	await second.run.runner.run();
	await second.run.finish();
	expect(readRecords(out).map(r => r.id).sort()).toEqual(allIds(5));
}, 60_000);

describe('a results file replaced under the run', () => {
	test('held, never written into the other file; moved away, the run file is made again with every record and the run goes on', async () => {
		const n = 30;
		const out = path.join(dir, 'out.jsonl');
		const {run, told} = await start(n, out, {writerFs: undefined, concurrency: 2, endpoint: {kind: 'sim', profile: 'calm', seed: 4, options: {latencyScale: 0.5}}});
		const done = run.runner.run();
		await waitUntil(() => run.store.getState().counts.succeeded >= 3, 'three results', {timeoutMs: 30_000});
		fs.writeFileSync(`${out}.other`, 'not pacer\n');
		fs.renameSync(`${out}.other`, out);
		await waitUntil(() => told('write-failed').length > 0, 'the writer to notice', {timeoutMs: 30_000});
		expect(told('write-failed')[0]).toMatchObject({failure: {code: 'EREPLACED', path: out}});
		expect(fs.readFileSync(out, 'utf8')).toBe('not pacer\n');
		await waitUntil(() => run.store.getState().counts.running === 0, 'the requests in flight to finish', {timeoutMs: 30_000});
		expect(fs.readFileSync(out, 'utf8')).toBe('not pacer\n');

		fs.renameSync(out, path.join(dir, 'moved-away.txt'));
		await waitUntil(() => told('write-recovered').length > 0, 'the run to go on', {timeoutMs: 30_000});
		await done;
		await run.finish();
		expect(told('recreated')).toHaveLength(1);
		const records = readRecords(out);
		expect(records.map(r => r.id).sort()).toEqual(allIds(n));
		expect(run.simulator!.stats().requests).toBe(n);
	}, 60_000);
});
