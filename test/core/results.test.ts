import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {compactResults, dropTornTail, lockResults, readResults, ResultsFileError, scanResults} from '../../src/core/results.js';
import {ResultsWriter} from '../../src/core/resultsWriter.js';
import type {ResultRecord} from '../../src/core/types.js';
import {openSmallDisk, type SmallDisk} from '../helpers/smallDisk.js';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-results-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const record = (id: string, status: ResultRecord['status'] = 'succeeded'): ResultRecord => ({
	id,
	line: 1,
	status,
	output: status === 'succeeded' ? `answer ${id}` : null,
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

describe('results file', () => {
	test('each append is on disk at once, and the file is private (0600)', () => {
		const file = path.join(dir, 'out.jsonl');
		const writer = new ResultsWriter(file);
		writer.append(record('a'));
		expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		writer.close();
	});

	test('a torn last line is ignored and reported; the latest record of an id wins', () => {
		const file = path.join(dir, 'out.jsonl');
		fs.writeFileSync(file, `${JSON.stringify(record('a', 'failed'))}\n${JSON.stringify(record('b'))}\n${JSON.stringify(record('a'))}\n{"id":"c","sta`);
		const read = readResults(file);
		expect(read.tornLine).toBe(4);
		expect([...read.latest.keys()]).toEqual(['b', 'a']);
		expect(read.latest.get('a')!.status).toBe('succeeded');
	});

	test('compaction leaves one record per id in input order', () => {
		const file = path.join(dir, 'out.jsonl');
		fs.writeFileSync(file, [record('b', 'failed'), record('a'), record('b')].map(r => JSON.stringify(r)).join('\n') + '\n{"torn');
		expect(compactResults(file, ['a', 'b'])).toBe(2);
		const ids = fs.readFileSync(file, 'utf8').trim().split('\n').map(l => (JSON.parse(l) as ResultRecord).id);
		expect(ids).toEqual(['a', 'b']);
		expect(readResults(file).latest.get('b')!.status).toBe('succeeded');
	});

	test('a missing file reads as empty', () => {
		expect(readResults(path.join(dir, 'nope.jsonl')).latest.size).toBe(0);
	});
});

describe('lock', () => {
	test('a second run on the same file is refused while the first holds it', () => {
		const file = path.join(dir, 'out.jsonl');
		const release = lockResults(file);
		// Pretend another live process holds it: our parent is alive.
		fs.writeFileSync(`${file}.lock`, `${process.ppid}\n`);
		expect(() => lockResults(file)).toThrow(ResultsFileError);
		expect(() => lockResults(file)).toThrow(/another pacer run/);
		release();
	});

	test('a lock left by a dead process is taken over', () => {
		const file = path.join(dir, 'out.jsonl');
		fs.writeFileSync(`${file}.lock`, '999999999\n');
		const release = lockResults(file);
		expect(fs.readFileSync(`${file}.lock`, 'utf8').trim()).toBe(String(process.pid));
		release();
		expect(fs.existsSync(`${file}.lock`)).toBe(false);
	});

	test('an unwritable or missing folder is a clear error', () => {
		expect(() => lockResults(path.join(dir, 'no', 'such', 'out.jsonl'))).toThrow(/does not exist or is not writable/);
	});
});

describe('scanResults', () => {
	test('finds the latest record of each id by byte range, across chunk boundaries, and the torn tail', () => {
		const file = path.join(dir, 'big.jsonl');
		const records = Array.from({length: 3000}, (_, i) => ({...record(`id${i % 1000}`, i < 2000 ? 'failed' : 'succeeded'), output: 'ü'.repeat(400 + (i % 7))}));
		fs.writeFileSync(file, records.map(r => JSON.stringify(r)).join('\n') + '\n{"id":"torn","st');
		const scan = scanResults(file);
		expect(scan.lines).toBe(3000);
		expect(scan.tornLine).toBe(3001);
		expect(scan.latest.size).toBe(1000);
		const fd = fs.openSync(file, 'r');
		for (const [id, place] of scan.latest) {
			const bytes = Buffer.alloc(place.length);
			fs.readSync(fd, bytes, 0, place.length, place.offset);
			const parsed = JSON.parse(bytes.toString('utf8')) as ResultRecord;
			expect(parsed.id).toBe(id);
			expect(parsed.status).toBe('succeeded');
		}
		fs.closeSync(fd);
		expect(compactResults(file, Array.from({length: 1000}, (_, i) => `id${i}`))).toBe(1000);
		expect(readResults(file).latest.get('id7')!.output).toBe('ü'.repeat(400 + (2007 % 7)));
	});

	test('a record longer than a read (1 MB) is found whole, and so are the lines around it', () => {
		const file = path.join(dir, 'long.jsonl');
		const records = [
			{...record('before', 'succeeded'), output: 'a'.repeat(700_000)},
			{...record('long', 'succeeded'), output: 'é'.repeat(1_300_000)},
			{...record('after', 'failed'), output: 'z'},
		];
		fs.writeFileSync(file, records.map(r => JSON.stringify(r)).join('\n') + '\n');
		const read = readResults(file);
		expect(read.lines).toBe(3);
		expect(read.tornLine).toBeNull();
		expect(read.badLines).toEqual([]);
		expect([...read.latest.keys()]).toEqual(['before', 'long', 'after']);
		expect(read.latest.get('long')!.output).toBe('é'.repeat(1_300_000));
		expect(read.latest.get('after')!.status).toBe('failed');
	});

	test('a bad line in the middle is reported, not taken for a torn tail', () => {
		const file = path.join(dir, 'mid.jsonl');
		fs.writeFileSync(file, `${JSON.stringify(record('a'))}\nnot json\n${JSON.stringify(record('b'))}\n`);
		expect(scanResults(file)).toMatchObject({lines: 2, tornLine: null, badLines: [2]});
	});
});

describe('on a full disk', () => {
	let disk: SmallDisk;
	beforeAll(() => {
		disk = openSmallDisk();
	});
	afterAll(() => disk.close());
	afterEach(() => {
		disk.makeRoom();
		for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {recursive: true, force: true});
	});

	/** A results file with duplicates (so compaction has work), on the small disk or, injected, beside it. */
	function goodFile(where: string): {file: string; bytes: Buffer} {
		const file = path.join(where, 'out.jsonl');
		const lines = Array.from({length: 30}, (_, i) => JSON.stringify({...record(`id${i % 15}`, i < 15 ? 'failed' : 'succeeded'), output: 'x'.repeat(600)}));
		fs.writeFileSync(file, `${lines.join('\n')}\n`);
		return {file, bytes: fs.readFileSync(file)};
	}

	test('compaction leaves the good file as it was, byte for byte, and no copy behind', () => {
		// tmpfs: the copy runs out of room half way. Injected (compaction uses node:fs itself): the copy's place is taken.
		const {file, bytes} = goodFile(disk.dir);
		const order = Array.from({length: 15}, (_, i) => `id${i}`);
		// Room for about a third of the compacted copy (15 records of about 850 bytes).
		if (disk.kind === 'tmpfs') disk.fill(4096);
		else fs.mkdirSync(`${file}.${process.pid}.tmp`);
		let thrown: unknown;
		try {
			compactResults(file, order);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(ResultsFileError);
		expect((thrown as ResultsFileError).message).toMatch(/could not compact .*the file is unchanged/);
		if (disk.kind === 'tmpfs') expect((thrown as ResultsFileError).failure?.code).toBe('ENOSPC');
		expect(fs.readFileSync(file).equals(bytes)).toBe(true);
		if (disk.kind === 'tmpfs') expect(fs.readdirSync(disk.dir).sort()).toEqual(['filler.bin', 'out.jsonl']);
		disk.makeRoom();
		if (disk.kind === 'injected') fs.rmdirSync(`${file}.${process.pid}.tmp`);
		expect(compactResults(file, order)).toBe(15);
	});

	test.skipIf(process.getuid?.() !== 0 || process.env.PACER_TEST_NO_MOUNT === '1')('the lock is not taken, and none is left, when its pid cannot be written (tmpfs only)', () => {
		disk.fill(0);
		const file = path.join(disk.dir, 'out.jsonl');
		expect(() => lockResults(file)).toThrow(/cannot (write|create) the lock.*no space left on the device/);
		expect(fs.existsSync(`${file}.lock`)).toBe(false);
	});

	test('a torn tail is cut off in place, with no room needed', () => {
		const {file, bytes} = goodFile(disk.dir);
		fs.appendFileSync(file, '{"id":"torn","sta');
		disk.fill(0);
		const scan = scanResults(file);
		expect(scan.tornOffset).toBe(bytes.length);
		dropTornTail(file, scan.tornOffset!);
		expect(fs.readFileSync(file).equals(bytes)).toBe(true);
	});
});
