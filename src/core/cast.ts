/**
 * asciicast v2 (asciinema's recording format): a JSON header line, then one JSON array a
 * line, `[seconds, "o", text]` for output and `[seconds, "r", "COLSxROWS"]` for a resize.
 * The writer appends each event as it happens with a synchronous write, so a crash
 * leaves a file that plays up to the crash; every text goes through `redactSecrets`
 * first, so a key that somehow reached the screen never reaches the file. A write that
 * fails (a full disk) is cut back to the last whole event and ends the recording, with
 * one message, never the run.
 */
import * as fs from 'node:fs';
import {redactSecrets} from './secrets.js';
import {writeAllAt} from './wholeWrites.js';
import {writeFailure} from './writeFailure.js';

/** The environment a cast names: asciinema's players read these two and no more. */
export interface CastEnv {
	readonly TERM?: string;
	readonly SHELL?: string;
}

export interface CastHeader {
	readonly version: 2;
	readonly width: number;
	readonly height: number;
	/** Epoch seconds of the start. */
	readonly timestamp: number;
	readonly title?: string;
	readonly env: CastEnv;
}

export type CastEvent = readonly [seconds: number, type: 'o', data: string] | readonly [seconds: number, type: 'r', size: string];

export interface CastWriterOptions {
	readonly width: number;
	readonly height: number;
	/** @default undefined (no title) */
	readonly title?: string;
	/** Only TERM and SHELL are kept, whatever else is passed. @default {} */
	readonly env?: CastEnv;
	/** Epoch ms of the start, for the header. @default Date.now() */
	readonly startedAt?: number;
	/** A monotonic ms clock for event times, which count from the first event. @default performance.now */
	readonly now?: () => number;
	/** File operations (tests that cannot mount a small disk inject failing ones). @default node:fs */
	readonly fs?: Pick<typeof fs, 'openSync' | 'writeSync' | 'ftruncateSync' | 'closeSync'>;
}

/** Event times in the file: ms precision is plenty, and keeps the lines short. */
function seconds(ms: number): number {
	return Math.round(Math.max(0, ms)) / 1000;
}

export class CastWriter {
	readonly path: string;
	#fd: number | null;
	readonly #now: () => number;
	readonly #fs: NonNullable<CastWriterOptions['fs']>;
	#start: number | null = null;
	/** Bytes of whole lines written: a failed write is cut back to it. */
	#length = 0;
	#failure: string | null = null;

	/** Creates (or truncates) `path` and writes the header at once; throws when it cannot. */
	constructor(path: string, options: CastWriterOptions) {
		this.path = path;
		this.#now = options.now ?? (() => performance.now());
		this.#fs = options.fs ?? fs;
		const env: {TERM?: string; SHELL?: string} = {};
		if (options.env?.TERM) env.TERM = options.env.TERM;
		if (options.env?.SHELL) env.SHELL = options.env.SHELL;
		const header: CastHeader = {
			version: 2,
			width: options.width,
			height: options.height,
			timestamp: Math.floor((options.startedAt ?? Date.now()) / 1000),
			...(options.title ? {title: redactSecrets(options.title)} : {}),
			env,
		};
		this.#fd = this.#fs.openSync(path, 'w');
		try {
			this.#write(`${JSON.stringify(header)}\n`);
		} catch (error) {
			this.close();
			throw error;
		}
	}

	get closed(): boolean {
		return this.#fd === null;
	}

	/** Why the recording stopped before the end (a write failed); null while it records. */
	get failure(): string | null {
		return this.#failure;
	}

	/**
	 * Something a program wrote to the terminal. A tty's driver turns each `\n` into
	 * `\r\n` on the way to the screen (onlcr); a player gets the bytes after that, as a
	 * recorder on the far side of the pty would see them.
	 */
	output(data: string): void {
		if (data === '') return;
		this.#event('o', redactSecrets(data).replace(/(?<!\r)\n/g, '\r\n'));
	}

	/** The terminal is now `columns` x `rows`. */
	resize(columns: number, rows: number): void {
		this.#event('r', `${columns}x${rows}`);
	}

	/** Idempotent; events after it are dropped. Never throws. */
	close(): void {
		if (this.#fd === null) return;
		const fd = this.#fd;
		this.#fd = null;
		try {
			this.#fs.closeSync(fd);
		} catch {
			// nothing more can be done with it
		}
	}

	#event(type: 'o' | 'r', data: string): void {
		if (this.#fd === null) return;
		const now = this.#now();
		// The clock starts at the first event: the file begins with the first frame, not the setup before it.
		this.#start ??= now;
		this.#line(JSON.stringify([seconds(now - this.#start), type, data]));
	}

	#line(text: string): void {
		try {
			this.#write(`${text}\n`);
		} catch (error) {
			const failure = writeFailure(this.path, error);
			this.#failure = `the recording stopped early: cannot write ${this.path}: ${failure.message}; it plays up to there`;
			this.close();
		}
	}

	/** All of `text` at the end of the whole lines, or the file cut back to them and a throw. */
	#write(text: string): void {
		const bytes = Buffer.from(text);
		try {
			writeAllAt(this.#fs.writeSync, this.#fd!, bytes, this.#length);
		} catch (error) {
			try {
				this.#fs.ftruncateSync(this.#fd!, this.#length);
			} catch {
				// a torn last line is what a player ignores anyway
			}
			throw error;
		}
		this.#length += bytes.length;
	}
}

/** Thrown by `parseCast` with the line that is wrong. */
export class CastFormatError extends Error {
	override readonly name = 'CastFormatError';
	constructor(
		readonly line: number,
		detail: string,
	) {
		super(`line ${line}: ${detail}`);
	}
}

/**
 * Reads a v2 cast. A torn last line (a recording cut off mid-write) is ignored, as a
 * player would; anything else malformed throws.
 */
export function parseCast(text: string): {header: CastHeader; events: CastEvent[]} {
	const lines = text.split('\n');
	if (lines.at(-1) === '') lines.pop();
	let header: CastHeader;
	try {
		header = JSON.parse(lines[0] ?? '') as CastHeader;
	} catch {
		throw new CastFormatError(1, 'the header is not JSON');
	}
	if (header.version !== 2 || !(header.width > 0) || !(header.height > 0)) throw new CastFormatError(1, 'not an asciicast v2 header');
	const events: CastEvent[] = [];
	for (let i = 1; i < lines.length; i++) {
		let event: unknown;
		try {
			event = JSON.parse(lines[i]);
		} catch {
			if (i === lines.length - 1) break;
			throw new CastFormatError(i + 1, 'not JSON');
		}
		if (!Array.isArray(event) || typeof event[0] !== 'number' || typeof event[2] !== 'string' || (event[1] !== 'o' && event[1] !== 'r')) {
			throw new CastFormatError(i + 1, 'not a [time, "o"|"r", text] event');
		}
		events.push(event as unknown as CastEvent);
	}
	return {header, events};
}
