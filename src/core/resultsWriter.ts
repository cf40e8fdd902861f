/**
 * The results writer: one JSON record a line, each written whole and handed to the OS as
 * its job ends, so a crash leaves at most a torn last line. It owns every write failure
 * (a full disk, a quota, EIO, a read-only remount, a lost descriptor, the file removed or
 * replaced under it): a failed or partial write is cut back to the last whole record, the
 * record and every later one are kept in memory in order, and one event says so. It then
 * tries again on a short interval; when a write goes through, it writes what it holds, in
 * order, and says so once more. `append` never throws.
 *
 * The runner holds the engine's dispatching between the two events, so a full disk costs
 * at most the requests already in flight, and none of their results.
 */
import * as fs from 'node:fs';
import {systemClock} from './clock.js';
import {defaultFallbackDirs, writeFallback, type FallbackResult} from './fallback.js';
import {ResultsFileError} from './results.js';
import type {Clock, ResultRecord} from './types.js';
import {chunksOf, CHUNK, writeAllAt} from './wholeWrites.js';
import {REPLACED, writeFailure, type WriteFailure} from './writeFailure.js';

/** The file operations the writer uses; tests that cannot mount a small disk inject failing ones. */
export type WriterFs = Pick<
	typeof fs,
	'openSync' | 'writeSync' | 'readSync' | 'ftruncateSync' | 'fstatSync' | 'statSync' | 'fsyncSync' | 'closeSync' | 'linkSync' | 'unlinkSync'
>;

export type WriterEvent =
	/** The first write that failed: dispatching should hold. `inFlight` is filled by a runner that knows it. */
	| {type: 'write-failed'; failure: WriteFailure; held: number; at: number; inFlight?: number}
	/** One more record kept in memory while writes fail (for a count on screen; printed by no one). */
	| {type: 'held'; held: number; at: number}
	/** Writes go through again: `written` held records are on disk, in order. */
	| {type: 'write-recovered'; path: string; written: number; heldMs: number; at: number}
	/** The file was removed under the run; it was made again with the `records` written so far. */
	| {type: 'recreated'; path: string; records: number; at: number}
	/** At close, what could not reach the file went to a fallback file (`path` null: nowhere would take it). */
	| {type: 'fallback'; out: string; path: string | null; records: number; failures: readonly WriteFailure[]; at: number};

export interface ResultsWriterOptions {
	/** Time, and the timer between tries. @default systemClock */
	readonly clock?: Clock;
	/** How long a failing writer waits before it tries again. @default 1000 */
	readonly retryMs?: number;
	/**
	 * How often an append checks that the path still names the file it writes (two
	 * syscalls, so not on every record; what is written between checks is recovered
	 * through the descriptor). @default 1000
	 */
	readonly checkEveryMs?: number;
	/** Where a fallback file may go, in order. @default [the temp folder, the current folder] */
	readonly fallbackDirs?: readonly string[];
	readonly onEvent?: (event: WriterEvent) => void;
	/** @default node:fs */
	readonly fs?: WriterFs;
}

const NEWLINE = 10;

class ReplacedError extends Error {
	readonly code = REPLACED;
}

export class ResultsWriter {
	readonly path: string;
	readonly #fs: WriterFs;
	readonly #clock: Clock;
	readonly #retryMs: number;
	readonly #checkEveryMs: number;
	readonly #dirs: readonly string[];
	readonly #onEvent: (event: WriterEvent) => void;
	#fd: number | null = null;
	#ino = 0;
	#dev = 0;
	/** Bytes of whole records in the file: every write goes here, every failure is cut back to it. */
	#goodLength = 0;
	/** A failed write could not be cut back yet. */
	#mustTruncate = false;
	/** Lines (with their newline) not yet in the file, oldest first. */
	#held: string[] = [];
	#failure: WriteFailure | null = null;
	#failedAt = 0;
	/** The path no longer names our file: what we wrote may be readable only through `#fd`. */
	#orphaned = false;
	#lastCheck: number;
	#retry: AbortController | null = null;
	#closed = false;
	#fallback: (FallbackResult & {readonly records: number}) | null = null;

	/** Opens (or creates, mode 0600) `filePath` for appending; throws `ResultsFileError` when it cannot. */
	constructor(filePath: string, options: ResultsWriterOptions = {}) {
		this.path = filePath;
		this.#fs = options.fs ?? fs;
		this.#clock = options.clock ?? systemClock;
		this.#retryMs = options.retryMs ?? 1000;
		this.#checkEveryMs = options.checkEveryMs ?? 1000;
		this.#dirs = options.fallbackDirs ?? defaultFallbackDirs();
		this.#onEvent = options.onEvent ?? (() => {});
		this.#lastCheck = this.#clock.now();
		try {
			this.#fd = this.#open();
			// Appends must start on a line of their own.
			if (this.#goodLength > 0 && this.#lastByte() !== NEWLINE) this.#writeWhole(Buffer.from('\n'));
		} catch (error) {
			this.#closeQuietly();
			const failure = writeFailure(filePath, error);
			throw new ResultsFileError(`${filePath}: cannot write results: ${failure.message}`, failure);
		}
	}

	/** Records kept in memory because the file would not take them. */
	get held(): number {
		return this.#held.length;
	}

	/** Why writes are failing now; null while they go through. */
	get failure(): WriteFailure | null {
		return this.#failure;
	}

	/** Where `close` put what it could not write; null when everything reached the file. */
	get fallback(): (FallbackResult & {readonly records: number}) | null {
		return this.#fallback;
	}

	/** Held lines that not even a fallback file would take (after `close`), for a last resort. */
	unsaved(): readonly string[] {
		return this.#fallback?.path === null ? this.#held : [];
	}

	/** Write one record whole, or keep it (and every later one) in memory. Never throws. */
	append(record: ResultRecord): void {
		if (this.#closed) return;
		const line = `${JSON.stringify(record)}\n`;
		if (this.#failure) {
			this.#held.push(line);
			this.#onEvent({type: 'held', held: this.#held.length, at: this.#clock.now()});
			return;
		}
		try {
			if (this.#checkDue()) this.#ensureFile();
			this.#writeLine(line);
		} catch (error) {
			this.#fail(error, line);
		}
	}

	/** Push what the file holds to the disk itself (before a fallback it replaces is removed). */
	sync(): boolean {
		if (this.#fd == null || this.#failure) return false;
		try {
			this.#fs.fsyncSync(this.#fd);
			return true;
		} catch {
			return false;
		}
	}

	/**
	 * A last try, then what is still held (and, when the file was replaced, what only this
	 * writer's descriptor still reads) goes to a fallback file. Later appends are dropped:
	 * the run is over. Safe to call twice; never throws.
	 */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#retry?.abort();
		this.#retry = null;
		if (!this.#failure) {
			try {
				this.#ensureFile();
			} catch (error) {
				this.#failure = writeFailure(this.path, error);
			}
		}
		if (this.#failure) this.#flush();
		if (this.#failure) this.#saveFallback();
		if (this.#fd != null) {
			try {
				this.#fs.fsyncSync(this.#fd);
			} catch {
				// Not every file can be synced (pipes); the data is with the OS already.
			}
			try {
				this.#fs.closeSync(this.#fd);
			} catch {
				// nothing more can be done with it
			}
			this.#fd = null;
		}
	}

	// ---- the file ---------------------------------------------------------------------

	/** Open the path for writing at known offsets (no O_APPEND: a cut-back must be where the next write lands). */
	#open(): number {
		const fd = this.#fs.openSync(this.path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
		const stats = this.#fs.fstatSync(fd);
		this.#ino = stats.ino;
		this.#dev = stats.dev;
		this.#goodLength = stats.size;
		return fd;
	}

	#lastByte(): number {
		const byte = Buffer.alloc(1);
		this.#fs.readSync(this.#fd!, byte, 0, 1, this.#goodLength - 1);
		return byte[0]!;
	}

	#checkDue(): boolean {
		const now = this.#clock.now();
		if (now - this.#lastCheck < this.#checkEveryMs) return false;
		this.#lastCheck = now;
		return true;
	}

	/** The common case without a copy into a Buffer: one write that takes the whole line. */
	#writeLine(line: string): void {
		if (this.#fd == null) throw Object.assign(new Error('no open file'), {code: 'EBADF'});
		const length = Buffer.byteLength(line);
		let n: number;
		try {
			n = this.#fs.writeSync(this.#fd, line, this.#goodLength);
		} catch (error) {
			this.#cutBack();
			throw error;
		}
		if (n === length) {
			this.#goodLength += length;
			return;
		}
		// A short write (the disk filling up): cut it back and write the line whole or fail.
		this.#cutBack();
		this.#writeWhole(Buffer.from(line));
	}

	/** Write all of `bytes` at the end of the whole records, or cut the file back and throw. */
	#writeWhole(bytes: Buffer): void {
		if (this.#fd == null) throw Object.assign(new Error('no open file'), {code: 'EBADF'});
		try {
			writeAllAt(this.#fs.writeSync, this.#fd, bytes, this.#goodLength);
		} catch (error) {
			this.#cutBack();
			throw error;
		}
		this.#goodLength += bytes.length;
	}

	#cutBack(): void {
		try {
			this.#fs.ftruncateSync(this.#fd!, this.#goodLength);
			this.#mustTruncate = false;
		} catch {
			// Nothing is appended before the cut succeeds (see #ensureFile).
			this.#mustTruncate = true;
		}
	}

	/**
	 * Make sure the path names the file this writer writes, with nothing torn at its end.
	 * Removed: make it again with everything written so far. Our descriptor lost: open the
	 * path again when it is still our file. Another file there: throw (never write into a
	 * file pacer did not create).
	 */
	#ensureFile(): void {
		let own: fs.Stats | null = null;
		try {
			own = this.#fd == null ? null : this.#fs.fstatSync(this.#fd);
		} catch {
			own = null;
		}
		const atPath = this.#fs.statSync(this.path, {throwIfNoEntry: false}) ?? null;
		const ours = atPath != null && atPath.ino === this.#ino && atPath.dev === this.#dev;
		if (own && ours) {
			if (this.#mustTruncate) this.#cutBackOrThrow();
			return;
		}
		if (!own && ours) {
			this.#closeQuietly();
			const before = this.#goodLength;
			this.#fd = this.#open();
			// Whatever a failed write left past the last whole record goes.
			if (this.#goodLength > before) {
				this.#goodLength = before;
				this.#mustTruncate = true;
			}
			if (this.#mustTruncate) this.#cutBackOrThrow();
			this.#orphaned = false;
			return;
		}
		this.#orphaned = own != null;
		if (atPath == null) {
			this.#recreate(own != null);
			return;
		}
		throw new ReplacedError(`${this.path} is no longer the file pacer writes`);
	}

	#cutBackOrThrow(): void {
		this.#fs.ftruncateSync(this.#fd!, this.#goodLength);
		this.#mustTruncate = false;
	}

	/** Make the file again beside its old name, copy what we wrote into it, and link it in without clobbering anything. */
	#recreate(copy: boolean): void {
		const tmp = `${this.path}.${process.pid}.recreate.tmp`;
		const target = this.#fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
		let records = 0;
		try {
			const length = copy ? this.#goodLength : 0;
			if (copy) records = this.#copyInto(target, length);
			this.#fs.fsyncSync(target);
			this.#fs.linkSync(tmp, this.path);
		} catch (error) {
			this.#closeQuietly(target);
			this.#unlinkQuietly(tmp);
			throw error;
		}
		this.#unlinkQuietly(tmp);
		this.#closeQuietly();
		const stats = this.#fs.fstatSync(target);
		this.#fd = target;
		this.#ino = stats.ino;
		this.#dev = stats.dev;
		this.#goodLength = stats.size;
		this.#mustTruncate = false;
		this.#orphaned = false;
		this.#onEvent({type: 'recreated', path: this.path, records, at: this.#clock.now()});
	}

	/** Copy the first `length` bytes of our file to the start of `target`; returns the lines copied. */
	#copyInto(target: number, length: number, write: WriterFs['writeSync'] = this.#fs.writeSync): number {
		const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, length)));
		let lines = 0;
		for (let offset = 0; offset < length; ) {
			const read = this.#fs.readSync(this.#fd!, buffer, 0, Math.min(buffer.length, length - offset), offset);
			if (read <= 0) throw Object.assign(new Error('the file ended early'), {code: 'EIO'});
			for (let i = 0; i < read; i++) if (buffer[i] === NEWLINE) lines++;
			writeAllAt(write, target, buffer, offset, read);
			offset += read;
		}
		return lines;
	}

	// ---- failing and recovering ------------------------------------------------------

	#fail(error: unknown, line: string): void {
		this.#failure = writeFailure(this.path, error);
		this.#failedAt = this.#clock.now();
		this.#held.push(line);
		this.#onEvent({type: 'write-failed', failure: this.#failure, held: this.#held.length, at: this.#failedAt});
		this.#scheduleRetry();
	}

	#scheduleRetry(): void {
		if (this.#closed || this.#retry) return;
		const controller = new AbortController();
		this.#retry = controller;
		this.#clock.sleep(this.#retryMs, controller.signal).then(
			() => {
				this.#retry = null;
				if (this.#closed || !this.#failure) return;
				if (!this.#flush()) this.#scheduleRetry();
			},
			() => {
				// Aborted by close().
			},
		);
	}

	/** Write the held records in order, a chunk at a time; true when none is left. */
	#flush(): boolean {
		const written = this.#held.length;
		let next = 0;
		try {
			this.#ensureFile();
			for (const {bytes, end} of chunksOf(this.#held)) {
				this.#writeWhole(bytes);
				next = end;
			}
		} catch (error) {
			this.#held.splice(0, next);
			this.#failure = writeFailure(this.path, error);
			return false;
		}
		this.#held = [];
		this.#failure = null;
		const at = this.#clock.now();
		this.#onEvent({type: 'write-recovered', path: this.path, written, heldMs: at - this.#failedAt, at});
		return true;
	}

	#saveFallback(): void {
		const orphan = this.#orphaned && this.#fd != null ? this.#goodLength : 0;
		let records = 0;
		const result = writeFallback(
			this.path,
			fd => {
				// The fallback lives on another disk: plain node:fs, whatever this writer was given.
				records = orphan > 0 ? this.#copyInto(fd, orphan, fs.writeSync) : 0;
				let offset = orphan;
				for (const {bytes} of chunksOf(this.#held)) {
					writeAllAt(fs.writeSync, fd, bytes, offset);
					offset += bytes.length;
				}
				records += this.#held.length;
			},
			this.#dirs,
		);
		this.#fallback = {...result, records};
		this.#onEvent({type: 'fallback', out: this.path, path: result.path, records, failures: result.failures, at: this.#clock.now()});
	}

	#closeQuietly(fd = this.#fd): void {
		if (fd == null) return;
		try {
			this.#fs.closeSync(fd);
		} catch {
			// already gone
		}
		if (fd === this.#fd) this.#fd = null;
	}

	#unlinkQuietly(file: string): void {
		try {
			this.#fs.unlinkSync(file);
		} catch {
			// already gone
		}
	}
}
