/**
 * The results file: one JSON record a line (written by ./resultsWriter.ts), so a crash
 * leaves at most a torn last line. Resume reads it back; at a clean end it is compacted
 * to exactly one record per input id, in input order. A lock beside it keeps two runs apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {ResultsIndex} from './resultsIndex.js';
import type {ResultRecord} from './types.js';
import {writeAllAt} from './wholeWrites.js';
import {writeFailure, type WriteFailure} from './writeFailure.js';

/** Thrown when the results file cannot be used (unwritable folder, locked by another run, a full disk). */
export class ResultsFileError extends Error {
	override readonly name = 'ResultsFileError';
	constructor(
		message: string,
		/** Set when a write failed (a full disk, EIO, ...), as opposed to a lock or a missing folder. */
		readonly failure: WriteFailure | null = null,
	) {
		super(message);
	}
}

export interface ReadResults {
	/** The latest record of each id, in the order ids first appear. */
	readonly latest: Map<string, ResultRecord>;
	/** Lines read that held a record. */
	readonly lines: number;
	/** 1-based number of a torn or unreadable last line, if there was one. */
	readonly tornLine: number | null;
	/** Byte offset where that torn line starts (cutting the file there drops it). */
	readonly tornOffset: number | null;
	/** Unreadable lines that were not the last one (should never happen; reported). */
	readonly badLines: number[];
}

function isRecord(value: unknown): value is ResultRecord {
	const r = value as ResultRecord;
	return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.status === 'string';
}

/**
 * Read a results file's latest record of each id (for tests and small files; large runs
 * use `scanResults`). A missing file reads as empty; a torn last line is skipped and reported.
 */
export function readResults(filePath: string): ReadResults {
	const scan = scanResults(filePath);
	return {...scan, latest: readRecordsAt(filePath, scan.latest)};
}

/** The records at `places` of a scanned file. */
export function readRecordsAt(filePath: string, places: ReadonlyMap<string, RecordPlace>): Map<string, ResultRecord> {
	const latest = new Map<string, ResultRecord>();
	if (places.size === 0) return latest;
	let fd: number | null = null;
	try {
		fd = fs.openSync(filePath, 'r');
		for (const [id, place] of places) {
			const bytes = Buffer.alloc(place.length);
			readAll(fd, bytes, 0, place.length, place.offset);
			latest.set(id, JSON.parse(bytes.toString('utf8')) as ResultRecord);
		}
	} catch (error) {
		const failure = writeFailure(filePath, error);
		throw new ResultsFileError(`${filePath}: cannot read results (${failure.message})`, failure);
	} finally {
		if (fd != null) closeQuietly(fd);
	}
	return latest;
}

export interface RecordPlace {
	readonly status: ResultRecord['status'];
	/** It carries a condensed input (`--resume` sends that rather than condensing again). */
	readonly condensed?: boolean;
	/** Byte offset and length of the record's line (without its newline). */
	readonly offset: number;
	readonly length: number;
}

export interface ScannedResults {
	/** Where the latest record of each id is, in the order ids first appear. */
	readonly latest: Map<string, RecordPlace>;
	readonly lines: number;
	readonly tornLine: number | null;
	readonly tornOffset: number | null;
	readonly badLines: number[];
}

const CHUNK = 1 << 20;

/**
 * Read a results file a chunk at a time, keeping only where each id's latest record is
 * and its status: memory stays small however large the file (a 100,000-record file is
 * about 100 MB of text). A missing file reads as empty.
 */
export function scanResults(filePath: string): ScannedResults {
	const latest = new Map<string, RecordPlace>();
	const fd = openForScan(filePath);
	if (fd == null) return {latest, lines: 0, tornLine: null, tornOffset: null, badLines: []};
	try {
		const facts = eachRecord(filePath, fd, (record, offset, length) => {
			latest.delete(record.id);
			latest.set(record.id, {status: record.status, offset, length, ...(record.condensed_input != null ? {condensed: true} : {})});
		});
		return {latest, ...facts};
	} finally {
		closeQuietly(fd);
	}
}

export interface IndexedResults extends Omit<ScannedResults, 'latest'> {
	/** Where each id's latest record is; it reads ids back from the file until `close`. */
	readonly index: ResultsIndex;
	close(): void;
}

/** scanResults in typed arrays (./resultsIndex.ts): for files of any size. Close it when done. */
export function indexResults(filePath: string): IndexedResults {
	const fd = openForScan(filePath);
	const index = new ResultsIndex(fd ?? -1);
	if (fd == null) return {index, lines: 0, tornLine: null, tornOffset: null, badLines: [], close() {}};
	try {
		const facts = eachRecord(filePath, fd, (record, offset, length) => index.put(record.id, record.status, offset, length, record.condensed_input != null));
		return {index, ...facts, close: () => closeQuietly(fd)};
	} catch (error) {
		closeQuietly(fd);
		throw error;
	}
}

function openForScan(filePath: string): number | null {
	try {
		return fs.openSync(filePath, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw new ResultsFileError(`${filePath}: cannot read results (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
	}
}

/** Each whole record of the file, with the byte offset and length of its line. */
function eachRecord(filePath: string, fd: number, onRecord: (record: ResultRecord, offset: number, length: number) => void): Omit<ScannedResults, 'latest'> {
	const badLines: number[] = [];
	let lines = 0;
	let lineNo = 0;
	let lastBad: number | null = null;
	let lastBadOffset = 0;
	const take = (bytes: Buffer, offset: number) => {
		lineNo++;
		const text = bytes.toString('utf8');
		if (text.trim() === '') return;
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}
		if (!isRecord(parsed)) {
			if (lastBad != null) badLines.push(lastBad);
			lastBad = lineNo;
			lastBadOffset = offset;
			return;
		}
		if (lastBad != null) {
			badLines.push(lastBad);
			lastBad = null;
		}
		lines++;
		onRecord(parsed, offset, bytes.length);
	};
	try {
		// One buffer, reused: the part line a read ends in moves to its front, and it grows only
		// for a line longer than it. (A new buffer a read was a GB of garbage at a million
		// records, which the collector freed late: the peak of a whole headless run.)
		let buffer = Buffer.allocUnsafe(CHUNK);
		// buffer[0, end) holds the file from `base` on.
		let end = 0;
		let base = 0;
		for (;;) {
			if (end + CHUNK > buffer.length) {
				const bigger = Buffer.allocUnsafe(buffer.length * 2);
				buffer.copy(bigger, 0, 0, end);
				buffer = bigger;
			}
			const read = fs.readSync(fd, buffer, end, CHUNK, base + end);
			if (read === 0) break;
			const scanFrom = end;
			end += read;
			let start = 0;
			for (let nl = buffer.indexOf(10, scanFrom); nl !== -1 && nl < end; nl = buffer.indexOf(10, start)) {
				take(buffer.subarray(start, nl), base + start);
				start = nl + 1;
			}
			buffer.copyWithin(0, start, end);
			end -= start;
			base += start;
		}
		if (end > 0) take(buffer.subarray(0, end), base);
	} catch (error) {
		if (error instanceof ResultsFileError) throw error;
		const failure = writeFailure(filePath, error);
		throw new ResultsFileError(`${filePath}: cannot read results (${failure.message})`, failure);
	}
	// Only the very last line may be torn (a crash mid-append); anything else is damage.
	const tornLine = lastBad != null && lineNo === lastBad ? lastBad : null;
	if (lastBad != null && tornLine == null) badLines.push(lastBad);
	return {lines, tornLine, tornOffset: tornLine != null ? lastBadOffset : null, badLines};
}

function readAll(fd: number, into: Buffer, at: number, length: number, position: number): void {
	for (let done = 0; done < length; ) {
		const n = fs.readSync(fd, into, at + done, length - done, position + done);
		if (n <= 0) throw Object.assign(new Error(`the file ended early (offset ${position + done})`), {code: 'EIO'});
		done += n;
	}
}

/**
 * Rewrite the file with exactly one record per id (the latest), in `order`, atomically:
 * the compacted copy is written and synced beside it first, and renamed over it only when
 * whole, so a full disk leaves the good file as it was (and no copy behind). Ids in the
 * file but not in `order` are kept after the others. Streams: each record is copied by its
 * byte range, never the whole file in memory. Throws `ResultsFileError` with the failure.
 */
export function compactResults(filePath: string, order: Iterable<string>): number {
	const scanned = indexResults(filePath);
	const {index} = scanned;
	const tmp = `${filePath}.${process.pid}.tmp`;
	let source: number | null = null;
	let target: number | null = null;
	let count = 0;
	try {
		source = fs.openSync(filePath, 'r');
		target = fs.openSync(tmp, 'w', 0o600);
		let out = Buffer.alloc(CHUNK);
		let used = 0;
		let written = 0;
		const flush = () => {
			writeAllAt(fs.writeSync, target!, out, written, used);
			written += used;
			used = 0;
		};
		const copy = (slot: number) => {
			const place = index.place(slot);
			const need = place.length + 1;
			if (used + need > out.length) flush();
			if (need > out.length) out = Buffer.alloc(need);
			readAll(source!, out, used, place.length, place.offset);
			out[used + place.length] = 10;
			used += need;
			index.mark(slot);
			count++;
		};
		for (const id of order) {
			const slot = index.find(id);
			if (slot !== -1) copy(slot);
		}
		for (const slot of index.slots((_, __, marked) => !marked)) copy(slot);
		flush();
		fs.fsyncSync(target);
		fs.closeSync(target);
		target = null;
		fs.renameSync(tmp, filePath);
	} catch (error) {
		if (target != null) closeQuietly(target);
		try {
			fs.rmSync(tmp, {force: true});
		} catch {
			// the folder itself failed; nothing more to clean
		}
		const failure = writeFailure(tmp, error);
		throw new ResultsFileError(`${filePath}: could not compact (${failure.message}); the file is unchanged`, failure);
	} finally {
		if (source != null) closeQuietly(source);
		scanned.close();
	}
	return count;
}

/** Cut a torn last line off in place: needs no free space, unlike a compaction. */
export function dropTornTail(filePath: string, offset: number): void {
	try {
		fs.truncateSync(filePath, offset);
	} catch (error) {
		const failure = writeFailure(filePath, error);
		throw new ResultsFileError(`${filePath}: could not drop the torn last line (${failure.message})`, failure);
	}
}

function closeQuietly(fd: number): void {
	try {
		fs.closeSync(fd);
	} catch {
		// nothing more can be done with it
	}
}

/**
 * A lock beside the results file so two runs never write one file. A lock whose process
 * is gone is taken over. Returns the release function.
 */
export function lockResults(filePath: string): () => void {
	const lockPath = `${filePath}.lock`;
	const dir = path.dirname(path.resolve(filePath));
	try {
		fs.accessSync(dir, fs.constants.W_OK);
	} catch {
		throw new ResultsFileError(`${filePath}: the folder ${dir} does not exist or is not writable`);
	}
	for (let tries = 0; tries < 3; tries++) {
		let fd: number;
		try {
			fd = fs.openSync(lockPath, 'wx', 0o600);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				const failure = writeFailure(lockPath, error);
				throw new ResultsFileError(`${lockPath}: cannot create the lock: ${failure.message}`, failure);
			}
			const holder = Number.parseInt(safeRead(lockPath), 10);
			if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
				throw new ResultsFileError(
					`${filePath}: another pacer run (pid ${holder}) is writing this file; wait for it, or write the results to another file`,
				);
			}
			// Stale: its process is gone. Remove and try again.
			try {
				fs.unlinkSync(lockPath);
			} catch {
				// someone else removed it first
			}
			continue;
		}
		// A lock without its pid would read as stale to the next run: on a full disk, take none and say so.
		try {
			writeAllAt(fs.writeSync, fd, Buffer.from(`${process.pid}\n`), 0);
			fs.closeSync(fd);
		} catch (error) {
			closeQuietly(fd);
			try {
				fs.unlinkSync(lockPath);
			} catch {
				// nothing left to clean
			}
			const failure = writeFailure(lockPath, error);
			throw new ResultsFileError(`${filePath}: cannot write the lock beside it: ${failure.message}; make room there and run again`, failure);
		}
		let released = false;
		return () => {
			if (released) return;
			released = true;
			try {
				fs.unlinkSync(lockPath);
			} catch {
				// already gone
			}
		};
	}
	throw new ResultsFileError(`${lockPath}: could not take the lock`);
}

function safeRead(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
