/**
 * Fallback files: where results go when `--out` cannot take them and the run must end
 * (a quit, a signal, the last prompt done while the disk is still full). A pointer
 * beside `--out` cannot be written on a full disk, so `--resume` finds them by name
 * instead: `pacer-<name of --out>-<hash of its absolute path>-<pid>.fallback.jsonl`,
 * in the system's temp folder, the current folder, or the folder of `--out`.
 * A fallback file is an ordinary results file: one record a line.
 */
import {createHash} from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {writeFailure, type WriteFailure} from './writeFailure.js';

const SUFFIX = '.fallback.jsonl';

/** The part of a fallback name that ties it to one `--out`, whatever the pid. */
function prefixFor(outPath: string): string {
	const absolute = path.resolve(outPath);
	const hash = createHash('sha256').update(absolute).digest('hex').slice(0, 12);
	// Keep the name readable but safe: the basename may hold anything.
	const base = path.basename(absolute).replace(/[^\w.-]+/g, '_').slice(0, 64);
	return `pacer-${base}-${hash}-`;
}

/** `n` > 1 only when a file of that name is already there (a pid used again). */
export function fallbackName(outPath: string, pid = process.pid, n = 1): string {
	return `${prefixFor(outPath)}${pid}${n > 1 ? `-${n}` : ''}${SUFFIX}`;
}

/** Where fallback files are written, in order: the temp folder, then the current folder. */
export function defaultFallbackDirs(): string[] {
	return [...new Set([os.tmpdir(), process.cwd()].map(dir => path.resolve(dir)))];
}

/** Fallback files of `outPath` in `dirs` (and beside it), oldest first. */
export function findFallbacks(outPath: string, dirs: readonly string[] = defaultFallbackDirs()): string[] {
	const prefix = prefixFor(outPath);
	const found = new Map<string, number>();
	for (const dir of new Set([...dirs, path.dirname(path.resolve(outPath))].map(d => path.resolve(d)))) {
		let names: string[];
		try {
			names = fs.readdirSync(dir);
		} catch {
			continue;
		}
		for (const name of names) {
			if (!name.startsWith(prefix) || !name.endsWith(SUFFIX)) continue;
			const file = path.join(dir, name);
			try {
				found.set(file, fs.statSync(file).mtimeMs);
			} catch {
				// gone meanwhile
			}
		}
	}
	return [...found].sort((a, b) => a[1] - b[1]).map(([file]) => file);
}

export type FallbackResult =
	| {readonly path: string; readonly failures: readonly WriteFailure[]}
	| {readonly path: null; readonly failures: readonly WriteFailure[]};

/**
 * Write a fallback file for `outPath` in the first of `dirs` that takes it whole:
 * `fill(fd)` writes the content and throws on any failure; a partial file is removed
 * before the next folder is tried. Never throws.
 */
export function writeFallback(outPath: string, fill: (fd: number) => void, dirs: readonly string[] = defaultFallbackDirs()): FallbackResult {
	const failures: WriteFailure[] = [];
	for (const dir of dirs) {
		let file = path.join(dir, fallbackName(outPath));
		let fd: number | null = null;
		try {
			for (let n = 2; fd == null; n++) {
				try {
					fd = fs.openSync(file, 'wx', 0o600);
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw error;
					file = path.join(dir, fallbackName(outPath, process.pid, n));
				}
			}
			fill(fd);
			fs.fsyncSync(fd);
			fs.closeSync(fd);
			return {path: file, failures};
		} catch (error) {
			failures.push(writeFailure(file, error));
			if (fd != null) {
				try {
					fs.closeSync(fd);
				} catch {
					// a descriptor that failed to write can fail to close too
				}
				try {
					fs.rmSync(file, {force: true});
				} catch {
					// Left behind, it is read like a torn results file: whole records, duplicates of the next copy.
				}
			}
		}
	}
	return {path: null, failures};
}
