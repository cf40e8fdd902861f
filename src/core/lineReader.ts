/**
 * A prompts file read a chunk at a time, line by line, with the numbering and sizes of
 * inputLines.ts's forEachLine (which reads a whole buffer): memory holds one buffer,
 * reused (a new one each read is garbage the collector frees late: tens of MB at a
 * million lines), grown only for a line longer than it.
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
	#buffer: Buffer;
	/** The bytes not yet taken: buffer[start, end). */
	#start = 0;
	#end = 0;
	#position = 0;
	#eof = false;
	#line = 0;
	#done = false;

	/** `chunkBytes`: how much one read takes (small in tests, to cut lines across reads). */
	constructor(fd: number, chunkBytes = CHUNK) {
		this.#fd = fd;
		this.#chunk = chunkBytes;
		this.#buffer = Buffer.allocUnsafe(chunkBytes);
		const head = Buffer.alloc(3);
		const n = fs.readSync(fd, head, 0, 3, 0);
		// A BOM is not part of the first line.
		if (n === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) this.#position = 3;
	}

	/** The next line, or null after the last. */
	next(): ReadLine | null {
		if (this.#done) return null;
		let scanFrom = this.#start;
		for (;;) {
			const nl = this.#buffer.indexOf(10, scanFrom);
			if (nl !== -1 && nl < this.#end) return this.#take(nl, nl + 1);
			if (this.#eof) {
				this.#done = true;
				// As forEachLine: the empty rest after a last newline is no line (an empty file is one blank line).
				const rest = this.#end - this.#start;
				if ((rest === 0 || (rest === 1 && this.#buffer[this.#start] === 13)) && this.#line > 0) return null;
				return this.#take(this.#end, this.#end);
			}
			if (this.#end - this.#start > MAX_LINE_BYTES + 1) return this.#skipLong();
			scanFrom = this.#end;
			const kept = this.#fill();
			scanFrom -= kept;
		}
	}

	close(): void {
		try {
			fs.closeSync(this.#fd);
		} catch {
			// nothing more can be done with it
		}
	}

	/** Moves the bytes not yet taken to the front (growing the buffer when they fill it) and reads after them; returns how far they moved. */
	#fill(): number {
		const moved = this.#start;
		const rest = this.#end - this.#start;
		if (rest + this.#chunk > this.#buffer.length) {
			const bigger = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, rest + this.#chunk));
			this.#buffer.copy(bigger, 0, this.#start, this.#end);
			this.#buffer = bigger;
		} else if (moved > 0) {
			this.#buffer.copyWithin(0, this.#start, this.#end);
		}
		this.#start = 0;
		this.#end = rest;
		const n = fs.readSync(this.#fd, this.#buffer, rest, this.#chunk, this.#position);
		this.#position += n;
		this.#end += n;
		if (n === 0) this.#eof = true;
		return moved;
	}

	/** The line ends at `end` (its newline, or the end of the file); the next one starts at `next`. */
	#take(end: number, next: number): ReadLine {
		const data = this.#buffer;
		const start = this.#start;
		const stop = end > start && data[end - 1] === 13 ? end - 1 : end;
		const bytes = stop - start;
		this.#line++;
		let content: string | undefined;
		if (bytes <= MAX_LINE_BYTES) {
			// Fast path: a plain decode; only a U+FFFD in it (a bad byte, or a real one) needs the strict decoder.
			content = data.toString('utf8', start, stop);
			if (content.includes('\uFFFD')) {
				try {
					content = fatalUtf8.decode(data.subarray(start, stop));
				} catch {
					content = undefined;
				}
			}
		}
		this.#start = next;
		return {line: this.#line, content, bytes};
	}

	/** A line over the limit: counted to its end, never kept whole. */
	#skipLong(): ReadLine {
		let bytes = this.#end - this.#start;
		let lastByte = this.#buffer[this.#end - 1];
		// Back to one chunk: the long line's bytes are not kept.
		if (this.#buffer.length > this.#chunk) this.#buffer = Buffer.allocUnsafe(this.#chunk);
		this.#start = 0;
		this.#end = 0;
		for (;;) {
			const n = fs.readSync(this.#fd, this.#buffer, 0, this.#chunk, this.#position);
			this.#position += n;
			if (n === 0) {
				this.#eof = true;
				this.#done = true;
				break;
			}
			const nl = this.#buffer.indexOf(10);
			if (nl === -1 || nl >= n) {
				bytes += n;
				lastByte = this.#buffer[n - 1];
				continue;
			}
			bytes += nl;
			lastByte = nl > 0 ? this.#buffer[nl - 1] : lastByte;
			this.#start = nl + 1;
			this.#end = n;
			break;
		}
		if (lastByte === 13) bytes--;
		this.#line++;
		return {line: this.#line, content: undefined, bytes};
	}
}
