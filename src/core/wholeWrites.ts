/**
 * Writes that count as done only when every byte is down: a short write (a disk filling
 * up) is no success, and a write that takes nothing is an error rather than a loop.
 */
import type * as fs from 'node:fs';

type WriteSync = typeof fs.writeSync;

/** The largest piece written at once when copying or flushing many records. */
export const CHUNK = 1 << 20;

/** Write all of `bytes[0, length)` at `position`, or throw. */
export function writeAllAt(write: WriteSync, fd: number, bytes: Buffer, position: number, length = bytes.length): void {
	for (let done = 0; done < length; ) {
		const n = write(fd, bytes, done, length - done, position + done);
		if (n <= 0) throw Object.assign(new Error('the device took nothing'), {code: 'EIO'});
		done += n;
	}
}

/** Lines joined into pieces of about CHUNK (a longer line is a piece of its own), with where each ends. */
export function* chunksOf(lines: readonly string[]): Generator<{bytes: Buffer; end: number}> {
	for (let start = 0; start < lines.length; ) {
		let end = start;
		let size = 0;
		while (end < lines.length && (end === start || size + lines[end]!.length <= CHUNK)) size += lines[end++]!.length;
		yield {bytes: Buffer.from(lines.slice(start, end).join('')), end};
		start = end;
	}
}
