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
	#written = 0;

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
		this.#written++;
	}

	get written(): number {
		return this.#written;
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

/** Read a results file; a missing file reads as empty. A torn last line is skipped and reported. */
export function readResults(filePath: string): ReadResults {
	let text: string;
	try {
		text = fs.readFileSync(filePath, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {latest: new Map(), lines: 0, tornLine: null, badLines: []};
		throw new ResultsFileError(`${filePath}: cannot read results (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
	}
	const latest = new Map<string, ResultRecord>();
	const rows = text.split('\n');
	// A file that ends in "\n" leaves one empty string at the end.
	if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
	let lines = 0;
	let tornLine: number | null = null;
	const badLines: number[] = [];
	rows.forEach((row, index) => {
		if (row.trim() === '') return;
		let parsed: unknown;
		try {
			parsed = JSON.parse(row);
		} catch {
			parsed = undefined;
		}
		if (!isRecord(parsed)) {
			if (index === rows.length - 1) tornLine = index + 1;
			else badLines.push(index + 1);
			return;
		}
		lines++;
		latest.delete(parsed.id);
		latest.set(parsed.id, parsed);
	});
	return {latest, lines, tornLine, badLines};
}

/**
 * Rewrite the file with exactly one record per id (the latest), in `order`, atomically.
 * Ids in the file but not in `order` are kept after the others.
 */
export function compactResults(filePath: string, order: readonly string[]): number {
	const {latest} = readResults(filePath);
	const tmp = `${filePath}.${process.pid}.tmp`;
	const fd = fs.openSync(tmp, 'w', 0o600);
	let count = 0;
	try {
		const seen = new Set<string>();
		let chunk = '';
		const emit = (record: ResultRecord) => {
			chunk += `${JSON.stringify(record)}\n`;
			count++;
			if (chunk.length > 1 << 20) {
				fs.writeSync(fd, chunk);
				chunk = '';
			}
		};
		for (const id of order) {
			const record = latest.get(id);
			if (record) {
				emit(record);
				seen.add(id);
			}
		}
		for (const [id, record] of latest) if (!seen.has(id)) emit(record);
		fs.writeSync(fd, chunk);
		fs.fsyncSync(fd);
	} finally {
		fs.closeSync(fd);
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
