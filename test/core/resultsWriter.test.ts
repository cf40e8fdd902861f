/**
 * The results writer on a disk that fills (a real tmpfs where the test may mount one, an
 * injected file layer where it may not), a file removed or replaced under it, and close
 * with records it could not write. Time is a ManualClock: no test sleeps.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {ManualClock} from '../../src/core/clock.js';
import {findFallbacks} from '../../src/core/fallback.js';
import {readResults, scanResults} from '../../src/core/results.js';
import {ResultsWriter, type WriterEvent, type WriterFs} from '../../src/core/resultsWriter.js';
import type {ResultRecord} from '../../src/core/types.js';
import {openSmallDisk, type SmallDisk} from '../helpers/smallDisk.js';

let disk: SmallDisk;
let dir: string;
let fallbackDir: string;
beforeAll(() => {
	disk = openSmallDisk();
});
afterAll(() => disk.close());
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-writer-'));
	fallbackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-fallback-'));
});
const writers: ResultsWriter[] = [];
afterEach(() => {
	for (const writer of writers.splice(0)) writer.close();
	disk.makeRoom();
	for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {force: true});
	fs.rmSync(dir, {recursive: true, force: true});
	fs.rmSync(fallbackDir, {recursive: true, force: true});
});

const record = (n: number, output = `answer ${n} `.repeat(20)): ResultRecord => ({
	id: `line-${n}`,
	line: n,
	status: 'succeeded',
	output,
	truncated: false,
	error: null,
	attempts: 1,
	usage: null,
	model: 'gpt-5.4-mini',
	latency_ms: 5,
	started_at: null,
	finished_at: '2026-11-28T00:00:00.000Z',
	request_id: null,
});

function writerOn(file: string, options: {fs?: WriterFs} = {}) {
	const clock = new ManualClock(0);
	const events: WriterEvent[] = [];
	const writer = new ResultsWriter(file, {clock, retryMs: 1000, fallbackDirs: [fallbackDir], fs: options.fs ?? disk.fs, onEvent: e => events.push(e)});
	writers.push(writer);
	const told = (type: WriterEvent['type']) => events.filter(e => e.type === type);
	return {writer, clock, events, told};
}

/** Every line of the file parses, and the ids are these, in order. */
function expectWhole(file: string, ids: string[]): void {
	const scan = scanResults(file);
	expect(scan.tornLine).toBeNull();
	expect(scan.badLines).toEqual([]);
	expect([...scan.latest.keys()]).toEqual(ids);
	const text = fs.readFileSync(file, 'utf8');
	expect(text === '' || text.endsWith('\n')).toBe(true);
}

const ids = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `line-${from + i}`);

describe('a disk that fills (a real tmpfs, or an injected file layer where mounting is not allowed)', () => {
	test('a record that does not fit is cut back to the last whole one, told once, and it and every later one are held in order', () => {
		const file = path.join(disk.dir, 'out.jsonl');
		const {writer, told} = writerOn(file);
		disk.fill(3000);
		let n = 0;
		while (!writer.failure) writer.append(record(++n));
		const failedAt = n;
		for (let i = 0; i < 5; i++) writer.append(record(++n));
		expect(told('write-failed')).toHaveLength(1);
		expect(told('write-failed')[0]).toMatchObject({failure: {path: file, code: 'ENOSPC'}, held: 1});
		expect((told('write-failed')[0] as {failure: {message: string}}).failure.message).toMatch(/no space left on the device \(ENOSPC, [\d.]+ (B|KiB|MiB|GiB|TiB) free\)/);
		expect(writer.held).toBe(6);
		// Whole records only: the partial write of the one that failed was cut off.
		expectWhole(file, ids(1, failedAt - 1));
		writer.close();
	});

	test('nothing is tried until the interval; when there is room again the held records are written in order and that is told once', async () => {
		const file = path.join(disk.dir, 'out.jsonl');
		const {writer, clock, told} = writerOn(file);
		disk.fill(2000);
		let n = 0;
		while (!writer.failure) writer.append(record(++n));
		for (let i = 0; i < 3; i++) writer.append(record(++n));
		await clock.advance(1000);
		expect(writer.failure?.code).toBe('ENOSPC');
		expect(told('write-recovered')).toHaveLength(0);
		disk.makeRoom();
		await clock.advance(999);
		expect(writer.held).toBe(4);
		await clock.advance(1);
		expect(writer.failure).toBeNull();
		expect(writer.held).toBe(0);
		expect(told('write-recovered')).toEqual([{type: 'write-recovered', path: file, written: 4, heldMs: 2000, at: 2000}]);
		writer.append(record(++n));
		expectWhole(file, ids(1, n));
		expect(told('write-failed')).toHaveLength(1);
		writer.close();
		expect(writer.fallback).toBeNull();
	});

	test('closed while the disk is full: the held records go to a fallback file, which is named and parses', () => {
		const file = path.join(disk.dir, 'out.jsonl');
		const {writer, told} = writerOn(file);
		disk.fill(1500);
		let n = 0;
		while (!writer.failure) writer.append(record(++n));
		const firstHeld = n;
		for (let i = 0; i < 4; i++) writer.append(record(++n));
		writer.close();
		const saved = writer.fallback!;
		expect(saved.path).toBe(findFallbacks(file, [fallbackDir])[0]);
		expect(path.dirname(saved.path!)).toBe(fallbackDir);
		expect(saved.records).toBe(5);
		expect(told('fallback')).toHaveLength(1);
		expectWhole(saved.path!, ids(firstHeld, n));
		expectWhole(file, ids(1, firstHeld - 1));
		// Appends after close are not written anywhere: the run is over.
		writer.append(record(++n));
		expect(readResults(saved.path!).latest.size).toBe(5);
	});
});

describe('the fallback file', () => {
	test('goes to the next folder when the first will not take it; with none, the records stay for a last resort', () => {
		const file = path.join(dir, 'out.jsonl');
		const failing: WriterFs = {...fs, writeSync: (() => {
			throw Object.assign(new Error('EIO'), {code: 'EIO'});
		}) as typeof fs.writeSync};
		const clock = new ManualClock(0);
		const missing = path.join(dir, 'no-such-folder');
		const writer = new ResultsWriter(file, {clock, fallbackDirs: [missing, fallbackDir], fs: failing});
		writer.append(record(1));
		expect(writer.failure?.code).toBe('EIO');
		writer.close();
		expect(path.dirname(writer.fallback!.path!)).toBe(fallbackDir);
		expect(writer.fallback!.failures.map(f => f.code)).toEqual(['ENOENT']);

		const nowhere = new ResultsWriter(path.join(dir, 'other.jsonl'), {clock, fallbackDirs: [missing], fs: failing});
		nowhere.append(record(2));
		nowhere.close();
		expect(nowhere.fallback!.path).toBeNull();
		expect(nowhere.unsaved().map(line => (JSON.parse(line) as ResultRecord).id)).toEqual(['line-2']);
	});
});

describe('other write failures', () => {
	test('EIO once: held, then written on the next try', async () => {
		const file = path.join(dir, 'out.jsonl');
		let failNext = false;
		const flaky: WriterFs = {
			...fs,
			writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
				if (failNext) {
					failNext = false;
					throw Object.assign(new Error('EIO: i/o error, write'), {code: 'EIO'});
				}
				return (fs.writeSync as (...a: unknown[]) => number)(...args);
			}) as typeof fs.writeSync,
		};
		const {writer, clock, told} = writerOn(file, {fs: flaky});
		writer.append(record(1));
		failNext = true;
		writer.append(record(2));
		writer.append(record(3));
		expect(told('write-failed')[0]).toMatchObject({failure: {code: 'EIO', message: expect.stringMatching(/input\/output error/)}});
		await clock.advance(1000);
		expect(writer.held).toBe(0);
		expectWhole(file, ids(1, 3));
		writer.close();
	});
});

describe('a file removed or replaced under the run', () => {
	test('removed: made again with everything written so far (read back through the descriptor), told once', async () => {
		const file = path.join(dir, 'out.jsonl');
		const {writer, clock, told} = writerOn(file, {fs});
		writer.append(record(1));
		writer.append(record(2));
		fs.rmSync(file);
		// Written before the next identity check: into the removed file, and recovered from it.
		writer.append(record(3));
		await clock.advance(1000);
		writer.append(record(4));
		expect(told('recreated')).toEqual([{type: 'recreated', path: file, records: 3, at: 1000}]);
		expect(told('write-failed')).toHaveLength(0);
		expectWhole(file, ids(1, 4));
		writer.close();
		expect(writer.fallback).toBeNull();
	});

	test('replaced by another file: held, nothing written into that file; moved away, the run file is made again with every record', async () => {
		const file = path.join(dir, 'out.jsonl');
		const {writer, clock, told} = writerOn(file, {fs});
		writer.append(record(1));
		const foreign = path.join(dir, 'foreign.txt');
		fs.writeFileSync(foreign, 'not pacer\n');
		fs.renameSync(foreign, file);
		await clock.advance(1000);
		writer.append(record(2));
		writer.append(record(3));
		expect(told('write-failed')).toHaveLength(1);
		expect(writer.failure).toMatchObject({code: 'EREPLACED', message: expect.stringMatching(/replaced by another one/)});
		await clock.advance(1000);
		expect(fs.readFileSync(file, 'utf8')).toBe('not pacer\n');

		fs.renameSync(file, path.join(dir, 'moved-away.txt'));
		await clock.advance(1000);
		expect(told('recreated')).toHaveLength(1);
		expect(told('write-recovered')).toMatchObject([{written: 2}]);
		expectWhole(file, ids(1, 3));
		writer.close();
	});

	test('replaced and never moved away: close puts what only the descriptor still reads, and the held, in the fallback file', async () => {
		const file = path.join(dir, 'out.jsonl');
		const {writer, clock} = writerOn(file, {fs});
		writer.append(record(1));
		writer.append(record(2));
		fs.writeFileSync(`${file}.new`, 'not pacer\n');
		fs.renameSync(`${file}.new`, file);
		await clock.advance(1000);
		writer.append(record(3));
		writer.close();
		expect(fs.readFileSync(file, 'utf8')).toBe('not pacer\n');
		expect(writer.fallback!.records).toBe(3);
		expectWhole(writer.fallback!.path!, ids(1, 3));
	});
});
