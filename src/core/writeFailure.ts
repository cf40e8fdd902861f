/**
 * A file pacer could not write, as a value: which file, the errno code, a sentence a
 * person can act on, and the free space where the file lives. A full disk is not a bug
 * in pacer, so these never become `unexpected`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** pacer's own code for "the path no longer names the file pacer opened". */
export const REPLACED = 'EREPLACED';

export interface WriteFailure {
	/** The file that could not be written. */
	readonly path: string;
	/** `ENOSPC`, `EDQUOT`, `EIO`, `EROFS`, `EBADF`, ... or `EREPLACED`. */
	readonly code: string;
	/** One line: what happened, with the code and the free space. */
	readonly message: string;
	/** Bytes an unprivileged writer may still use on that filesystem; null when unknown. */
	readonly freeBytes: number | null;
}

const WHAT: Record<string, string> = {
	ENOSPC: 'no space left on the device',
	EDQUOT: 'disk quota exceeded',
	EFBIG: 'the file is too large for the filesystem',
	EIO: 'input/output error from the device',
	EROFS: 'the filesystem is read-only',
	EBADF: 'the open file was lost',
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	ENOENT: 'the folder is gone',
	[REPLACED]: 'the file was replaced by another one',
};

/** `12 B`, `48 KiB`, `3.4 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Free bytes on the filesystem that holds `file` (its folder, as the file may be gone). */
export function freeBytes(file: string): number | null {
	try {
		const stats = fs.statfsSync(path.dirname(path.resolve(file)));
		return stats.bavail * stats.bsize;
	} catch {
		return null;
	}
}

function codeOf(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | null)?.code;
	return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Classify anything a write threw, for `file`. */
export function writeFailure(file: string, error: unknown): WriteFailure {
	const code = codeOf(error);
	const free = freeBytes(file);
	const what = WHAT[code] ?? ((error as Error | null)?.message || 'the write failed');
	const room = free == null ? '' : `, ${formatBytes(free)} free`;
	return {path: file, code, message: `${what} (${code}${room})`, freeBytes: free};
}
