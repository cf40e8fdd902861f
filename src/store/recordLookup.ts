/**
 * One job's latest record, read back from the results file: the store keeps only the start
 * of an ended job's reply, the file has it whole. The file is scanned from its end a chunk
 * at a time, asynchronously (a 100,000-record file is about 100 MB): the latest record of
 * an id is the last line that starts with it, and a keypress never waits behind the scan.
 * Nothing is indexed while writing, so compaction at the end (which moves every line)
 * cannot leave a stale offset behind.
 */
import {open, type FileHandle} from 'node:fs/promises';
import type {ResultRecord} from '../core/types.js';

const CHUNK = 1 << 20;
const NEWLINE = 10;

/** The latest record of `id` in `filePath`; null when the file or the record is not there (yet). */
export async function findRecord(filePath: string, id: string, signal?: AbortSignal): Promise<ResultRecord | null> {
	let handle: FileHandle;
	try {
		handle = await open(filePath, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw error;
	}
	try {
		const start = await lastLineStart(handle, Buffer.from(`{"id":${JSON.stringify(id)},`), signal);
		if (start == null) return null;
		const record = JSON.parse((await lineAt(handle, start)).toString('utf8')) as ResultRecord;
		return record.id === id ? record : null;
	} finally {
		await handle.close();
	}
}

/** Where the last line starting with `needle` starts, reading backwards; null when none does. */
async function lastLineStart(handle: FileHandle, needle: Buffer, signal?: AbortSignal): Promise<number | null> {
	const {size} = await handle.stat();
	// A window reaches one byte before its range (is a hit at a line's start?) and a
	// needle's length past it (a hit across the boundary with the window read before).
	const buffer = Buffer.alloc(CHUNK + needle.length + 1);
	for (let end = size; end > 0; end -= CHUNK) {
		signal?.throwIfAborted();
		const from = Math.max(0, end - CHUNK - 1);
		const to = Math.min(size, end + needle.length - 1);
		const {bytesRead} = await handle.read(buffer, 0, to - from, from);
		const window = buffer.subarray(0, bytesRead);
		for (let at = window.lastIndexOf(needle); at !== -1; at = at > 0 ? window.lastIndexOf(needle, at - 1) : -1) {
			const position = from + at;
			if (position >= end) continue;
			if (position === 0 || window[at - 1] === NEWLINE) return position;
		}
	}
	return null;
}

/** The line that starts at `start`, without its newline. */
async function lineAt(handle: FileHandle, start: number): Promise<Buffer> {
	const parts: Buffer[] = [];
	for (let position = start; ; ) {
		const chunk = Buffer.alloc(CHUNK);
		const {bytesRead} = await handle.read(chunk, 0, CHUNK, position);
		if (bytesRead === 0) break;
		const newline = chunk.subarray(0, bytesRead).indexOf(NEWLINE);
		if (newline !== -1) {
			parts.push(chunk.subarray(0, newline));
			break;
		}
		parts.push(chunk.subarray(0, bytesRead));
		position += bytesRead;
	}
	return Buffer.concat(parts);
}
