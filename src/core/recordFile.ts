/**
 * The results file as the writer holds it: whole records at known offsets, every failed
 * or partial write cut back to the last whole record, and the path checked to still name
 * this file (removed: made again with what was written; replaced by another file: an
 * error, as pacer never writes into a file it did not create). Every method but `close`
 * may throw; the writer (resultsWriter.ts) decides what a failure means.
 */
import * as fs from 'node:fs';
import {chunksOf, CHUNK, writeAllAt} from './wholeWrites.js';
import {REPLACED} from './writeFailure.js';

/** The file operations the writer uses; tests that cannot mount a small disk inject failing ones. */
export type WriterFs = Pick<
	typeof fs,
	'openSync' | 'writeSync' | 'readSync' | 'ftruncateSync' | 'fstatSync' | 'statSync' | 'fsyncSync' | 'closeSync' | 'linkSync' | 'unlinkSync'
>;

const NEWLINE = 10;

class ReplacedError extends Error {
	readonly code = REPLACED;
}

export class RecordFile {
	readonly path: string;
	readonly #fs: WriterFs;
	/** The file was removed under the run and made again holding `records` lines. */
	readonly #onRecreated: (records: number) => void;
	#fd: number | null = null;
	#ino = 0;
	#dev = 0;
	/** Bytes of whole records in the file: every write goes here, every failure is cut back to it. */
	#goodLength = 0;
	/** A failed write could not be cut back yet. */
	#mustTruncate = false;
	/** The path no longer names our file: what we wrote may be readable only through `#fd`. */
	#orphaned = false;

	/** Opens (or creates, mode 0600) `filePath`, so that appends start on a line of their own. */
	constructor(filePath: string, fileSystem: WriterFs, onRecreated: (records: number) => void) {
		this.path = filePath;
		this.#fs = fileSystem;
		this.#onRecreated = onRecreated;
		try {
			this.#fd = this.#open();
			if (this.#goodLength > 0 && this.#lastByte() !== NEWLINE) this.writeWhole(Buffer.from('\n'));
		} catch (error) {
			this.#closeQuietly();
			throw error;
		}
	}

	/** Bytes written that the path no longer reaches (the file was removed or replaced): only this descriptor reads them. */
	get orphanedBytes(): number {
		return this.#orphaned && this.#fd != null ? this.#goodLength : 0;
	}

	/** The common case without a copy into a Buffer: one write that takes the whole line. */
	writeLine(line: string): void {
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
		this.writeWhole(Buffer.from(line));
	}

	/** Write all of `bytes` at the end of the whole records, or cut the file back and throw. */
	writeWhole(bytes: Buffer): void {
		if (this.#fd == null) throw Object.assign(new Error('no open file'), {code: 'EBADF'});
		try {
			writeAllAt(this.#fs.writeSync, this.#fd, bytes, this.#goodLength);
		} catch (error) {
			this.#cutBack();
			throw error;
		}
		this.#goodLength += bytes.length;
	}

	/** Write `lines` in order, a chunk at a time; on a failure, throws with `written` lines down. */
	writeLines(lines: readonly string[], wrote: (written: number) => void): void {
		for (const {bytes, end} of chunksOf(lines)) {
			this.writeWhole(bytes);
			wrote(end);
		}
	}

	/**
	 * Make sure the path names the file this writer writes, with nothing torn at its end.
	 * Removed: make it again with everything written so far. Our descriptor lost: open the
	 * path again when it is still our file. Another file there: throw.
	 */
	ensure(): void {
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

	/** Push what the file holds to the disk itself; false when it cannot. */
	sync(): boolean {
		if (this.#fd == null) return false;
		try {
			this.#fs.fsyncSync(this.#fd);
			return true;
		} catch {
			return false;
		}
	}

	/** Sync what can be synced and let the descriptor go. Never throws. */
	close(): void {
		if (this.#fd == null) return;
		try {
			this.#fs.fsyncSync(this.#fd);
		} catch {
			// Not every file can be synced (pipes); the data is with the OS already.
		}
		this.#closeQuietly();
	}

	/** Copy the first `length` bytes of our file to the start of `target`; returns the lines copied. */
	copyInto(target: number, length: number, write: WriterFs['writeSync'] = this.#fs.writeSync): number {
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

	#cutBack(): void {
		try {
			this.#fs.ftruncateSync(this.#fd!, this.#goodLength);
			this.#mustTruncate = false;
		} catch {
			// Nothing is appended before the cut succeeds (see ensure).
			this.#mustTruncate = true;
		}
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
			if (copy) records = this.copyInto(target, length);
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
		this.#onRecreated(records);
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
