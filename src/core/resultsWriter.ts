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
 *
 * The file itself (offsets, cut-backs, the path still naming it) is recordFile.ts; this
 * decides what a failure means: hold, retry, recover, or fall back at close.
 */
import * as fs from 'node:fs';
import {systemClock} from './clock.js';
import {defaultFallbackDirs, writeFallback, type FallbackResult} from './fallback.js';
import {RecordFile, type WriterFs} from './recordFile.js';
import {ResultsFileError} from './results.js';
import type {Clock, ResultRecord} from './types.js';
import {chunksOf, writeAllAt} from './wholeWrites.js';
import {writeFailure, type WriteFailure} from './writeFailure.js';

export type {WriterFs} from './recordFile.js';

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

export class ResultsWriter {
	readonly path: string;
	readonly #clock: Clock;
	readonly #retryMs: number;
	readonly #checkEveryMs: number;
	readonly #dirs: readonly string[];
	readonly #onEvent: (event: WriterEvent) => void;
	readonly #file: RecordFile;
	/** Lines (with their newline) not yet in the file, oldest first. */
	#held: string[] = [];
	#failure: WriteFailure | null = null;
	#failedAt = 0;
	#lastCheck: number;
	#retry: AbortController | null = null;
	#closed = false;
	#fallback: (FallbackResult & {readonly records: number}) | null = null;

	/** Opens (or creates, mode 0600) `filePath` for appending; throws `ResultsFileError` when it cannot. */
	constructor(filePath: string, options: ResultsWriterOptions = {}) {
		this.path = filePath;
		this.#clock = options.clock ?? systemClock;
		this.#retryMs = options.retryMs ?? 1000;
		this.#checkEveryMs = options.checkEveryMs ?? 1000;
		this.#dirs = options.fallbackDirs ?? defaultFallbackDirs();
		this.#onEvent = options.onEvent ?? (() => {});
		this.#lastCheck = this.#clock.now();
		try {
			this.#file = new RecordFile(filePath, options.fs ?? fs, records =>
				this.#onEvent({type: 'recreated', path: this.path, records, at: this.#clock.now()}),
			);
		} catch (error) {
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
			if (this.#checkDue()) this.#file.ensure();
			this.#file.writeLine(line);
		} catch (error) {
			this.#fail(error, line);
		}
	}

	/** Push what the file holds to the disk itself (before a fallback it replaces is removed). */
	sync(): boolean {
		return this.#failure == null && this.#file.sync();
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
				this.#file.ensure();
			} catch (error) {
				this.#failure = writeFailure(this.path, error);
			}
		}
		if (this.#failure) this.#flush();
		if (this.#failure) this.#saveFallback();
		this.#file.close();
	}

	/** The path is checked on an interval, not on every record: two syscalls each time. */
	#checkDue(): boolean {
		const now = this.#clock.now();
		if (now - this.#lastCheck < this.#checkEveryMs) return false;
		this.#lastCheck = now;
		return true;
	}

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
			this.#file.ensure();
			this.#file.writeLines(this.#held, end => (next = end));
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
		const orphan = this.#file.orphanedBytes;
		let records = 0;
		const result = writeFallback(
			this.path,
			fd => {
				// The fallback lives on another disk: plain node:fs, whatever this writer was given.
				records = orphan > 0 ? this.#file.copyInto(fd, orphan, fs.writeSync) : 0;
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
}
