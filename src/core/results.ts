/**
 * The results file: one JSON record a line, appended and handed to the OS as each job
 * ends, so a crash leaves at most a torn last line. Resume reads it back; at a clean end
 * it is compacted to exactly one record per input id, in input order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {ResultRecord} from './types.js';

/** Thrown when the results file cannot be used (unwritable folder, locked by another run). */
export class ResultsFileError extends Error {
	override readonly name = 'ResultsFileError';
}

export class ResultsWriter {
	readonly path: string;
	#fd: number | null;

	constructor(filePath: string) {
		this.path = filePath;
		try {
			this.#fd = fs.openSync(filePath, 'a', 0o600);
		} catch (error) {
			throw new ResultsFileError(`${filePath}: cannot write results (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
		}
	}

	/** Append one record; returns once the OS has it (a kill -9 afterwards keeps it). */
	append(record: ResultRecord): void {
		if (this.#fd === null) throw new ResultsFileError(`${this.path}: writer is closed`);
		const line = `${JSON.stringify(record)}\n`;
		fs.writeSync(this.#fd, line);
	}

	/** Push everything to the disk itself and close. Safe to call twice. */
	close(): void {
		if (this.#fd === null) return;
		try {
			fs.fsyncSync(this.#fd);
		} catch {
			// fsync can fail on some filesystems (e.g. pipes); the data is with the OS already.
		}
		fs.closeSync(this.#fd);
		this.#fd = null;
	}
}

export interface ReadResults {
	/** The latest record of each id, in the order ids first appear. */
	readonly latest: Map<string, ResultRecord>;
	/** Lines read that held a record. */
	readonly lines: number;
	/** 1-based number of a torn or unreadable last line, if there was one. */
	readonly tornLine: number | null;
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
	const latest = new Map<string, ResultRecord>();
	if (scan.latest.size === 0) return {...scan, latest};
	const fd = fs.openSync(filePath, 'r');
	try {
		for (const [id, place] of scan.latest) {
			const bytes = Buffer.alloc(place.length);
			fs.readSync(fd, bytes, 0, place.length, place.offset);
			latest.set(id, JSON.parse(bytes.toString('utf8')) as ResultRecord);
		}
	} finally {
		fs.closeSync(fd);
	}
	return {...scan, latest};
}

export interface RecordPlace {
	readonly status: ResultRecord['status'];
	/** Byte offset and length of the record's line (without its newline). */
	readonly offset: number;
	readonly length: number;
}

export interface ScannedResults {
	/** Where the latest record of each id is, in the order ids first appear. */
	readonly latest: Map<string, RecordPlace>;
	readonly lines: number;
	readonly tornLine: number | null;
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
	const badLines: number[] = [];
	let fd: number;
	try {
		fd = fs.openSync(filePath, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {latest, lines: 0, tornLine: null, badLines};
		throw new ResultsFileError(`${filePath}: cannot read results (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
	}
	let lines = 0;
	let lineNo = 0;
	let lastBad: number | null = null;
	let lastLineEnded = true;
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
			return;
		}
		if (lastBad != null) {
			badLines.push(lastBad);
			lastBad = null;
		}
		lines++;
		latest.delete(parsed.id);
		latest.set(parsed.id, {status: parsed.status, offset, length: bytes.length});
	};
	try {
		const buffer = Buffer.alloc(CHUNK);
		let carry: Buffer = Buffer.alloc(0);
		let carryOffset = 0;
		let position = 0;
		for (;;) {
			const read = fs.readSync(fd, buffer, 0, CHUNK, position);
			if (read === 0) break;
			const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
			let start = 0;
			for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
				take(data.subarray(start, nl), carryOffset + start);
				start = nl + 1;
			}
			carryOffset += start;
			carry = Buffer.from(data.subarray(start));
			position += read;
		}
		lastLineEnded = carry.length === 0;
		if (!lastLineEnded) take(carry, carryOffset);
	} finally {
		fs.closeSync(fd);
	}
	// Only the very last line may be torn (a crash mid-append); anything else is damage.
	const tornLine = lastBad != null && lineNo === lastBad ? lastBad : null;
	if (lastBad != null && tornLine == null) badLines.push(lastBad);
	return {latest, lines, tornLine, badLines};
}

/**
 * Rewrite the file with exactly one record per id (the latest), in `order`, atomically.
 * Ids in the file but not in `order` are kept after the others. Streams: each record is
 * copied by its byte range, never the whole file in memory.
 */
export function compactResults(filePath: string, order: readonly string[]): number {
	const {latest} = scanResults(filePath);
	const tmp = `${filePath}.${process.pid}.tmp`;
	const source = fs.openSync(filePath, 'r');
	const target = fs.openSync(tmp, 'w', 0o600);
	let count = 0;
	try {
		let out = Buffer.alloc(CHUNK);
		let used = 0;
		const flush = () => {
			fs.writeSync(target, out, 0, used);
			used = 0;
		};
		const copy = (place: RecordPlace) => {
			const need = place.length + 1;
			if (used + need > out.length) flush();
			if (need > out.length) out = Buffer.alloc(need);
			fs.readSync(source, out, used, place.length, place.offset);
			out[used + place.length] = 10;
			used += need;
			count++;
		};
		const seen = new Set<string>();
		for (const id of order) {
			const place = latest.get(id);
			if (place) {
				copy(place);
				seen.add(id);
			}
		}
		for (const [id, place] of latest) if (!seen.has(id)) copy(place);
		flush();
		fs.fsyncSync(target);
	} finally {
		fs.closeSync(source);
		fs.closeSync(target);
	}
	fs.renameSync(tmp, filePath);
	return count;
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
		try {
			const fd = fs.openSync(lockPath, 'wx', 0o600);
			fs.writeSync(fd, `${process.pid}\n`);
			fs.closeSync(fd);
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
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw new ResultsFileError(`${lockPath}: cannot create the lock (${(error as NodeJS.ErrnoException).code})`);
			}
			const holder = Number.parseInt(safeRead(lockPath), 10);
			if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
				throw new ResultsFileError(
					`${filePath}: another pacer run (pid ${holder}) is writing this file; wait for it or pick another --out`,
				);
			}
			// Stale: its process is gone. Remove and try again.
			try {
				fs.unlinkSync(lockPath);
			} catch {
				// someone else removed it first
			}
		}
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
