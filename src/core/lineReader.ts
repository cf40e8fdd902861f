/**
 * A prompts file read a chunk at a time, line by line, with the numbering and sizes of
 * inputLines.ts's forEachLine (which reads a whole buffer): memory holds one chunk and
 * one line, however large the file.
 */
import * as fs from 'node:fs';
import {MAX_LINE_BYTES} from './inputLines.js';

const CHUNK = 1 << 20;
const fatalUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

export interface ReadLine {
	/** 1-based. */
	readonly line: number;
	/** Undefined when the bytes are not UTF-8 or the line is over MAX_LINE_BYTES. */
	readonly content: string | undefined;
	readonly bytes: number;
}

/** Reads an open file from its start; `close` when done (reading to the end does not close). */
export class LineReader {
	readonly #fd: number;
	readonly #chunk: number;
	#pending: Buffer = Buffer.alloc(0);
	#position = 0;
	#eof = false;
	#line = 0;
	#done = false;

	/** `chunkBytes`: how much one read takes (small in tests, to cut lines across reads). */
	constructor(fd: number, chunkBytes = CHUNK) {
		this.#fd = fd;
		this.#chunk = chunkBytes;
		const head = Buffer.alloc(3);
		const n = fs.readSync(fd, head, 0, 3, 0);
		// A BOM is not part of the first line.
		if (n === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) this.#position = 3;
	}

	/** The next line, or null after the last. */
	next(): ReadLine | null {
		if (this.#done) return null;
		let scanFrom = 0;
		for (;;) {
			const nl = this.#pending.indexOf(10, scanFrom);
			if (nl !== -1) return this.#take(nl, nl + 1);
			if (this.#eof) {
				// As forEachLine: the empty rest after a last newline is no line (an empty file is one blank line).
				const rest = this.#pending.length;
				if ((rest === 0 || (rest === 1 && this.#pending[0] === 13)) && this.#line > 0) {
					this.#done = true;
					return null;
				}
				this.#done = true;
				return this.#take(this.#pending.length, this.#pending.length);
			}
			if (this.#pending.length > MAX_LINE_BYTES + 1) return this.#skipLong();
			scanFrom = this.#pending.length;
			this.#append(this.#read());
		}
	}

	close(): void {
		try {
			fs.closeSync(this.#fd);
		} catch {
			// nothing more can be done with it
		}
	}

	#read(): Buffer {
		const chunk = Buffer.allocUnsafe(this.#chunk);
		const n = fs.readSync(this.#fd, chunk, 0, this.#chunk, this.#position);
		this.#position += n;
		if (n === 0) this.#eof = true;
		return chunk.subarray(0, n);
	}

	#append(data: Buffer): void {
		this.#pending = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
	}

	/** The line ends at `end` (its newline, or the end of the file); the next one starts at `next`. */
	#take(end: number, next: number): ReadLine {
		const data = this.#pending;
		const stop = end > 0 && data[end - 1] === 13 ? end - 1 : end;
		const bytes = stop;
		this.#line++;
		let content: string | undefined;
		if (bytes <= MAX_LINE_BYTES) {
			// Fast path: a plain decode; only a U+FFFD in it (a bad byte, or a real one) needs the strict decoder.
			content = data.toString('utf8', 0, stop);
			if (content.includes('\uFFFD')) {
				try {
					content = fatalUtf8.decode(data.subarray(0, stop));
				} catch {
					content = undefined;
				}
			}
		}
		this.#pending = data.subarray(next);
		return {line: this.#line, content, bytes};
	}

	/** A line over the limit: counted to its end, never kept whole. */
	#skipLong(): ReadLine {
		let bytes = this.#pending.length;
		let lastByte = this.#pending[this.#pending.length - 1];
		this.#pending = Buffer.alloc(0);
		for (;;) {
			const data = this.#read();
			if (this.#eof) {
				this.#done = true;
				break;
			}
			const nl = data.indexOf(10);
			if (nl === -1) {
				bytes += data.length;
				lastByte = data[data.length - 1];
				continue;
			}
			bytes += nl;
			lastByte = nl > 0 ? data[nl - 1] : lastByte;
			this.#pending = data.subarray(nl + 1);
			break;
		}
		if (lastByte === 13) bytes--;
		this.#line++;
		return {line: this.#line, content: undefined, bytes};
	}
}
