/**
 * A small disk that fills, for tests of what pacer does then. Where the test may mount
 * one (root), a real 48 KiB tmpfs: the kernel's own ENOSPC, short writes included. Where
 * it may not, a folder of the usual temp disk with a capacity enforced by an injected
 * file layer (a short write, then ENOSPC, as a disk does) for in-process writers, and a
 * per-file size cap (RLIMIT_FSIZE, EFBIG: a kernel failure too) for the built CLI.
 * `PACER_TEST_NO_MOUNT=1` takes the second way even as root.
 */
import {execFileSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {WriterFs} from '../../src/core/resultsWriter.js';

export interface SmallDisk {
	readonly kind: 'tmpfs' | 'injected';
	/** The small disk's folder. */
	readonly dir: string;
	/** For in-process writers: the file layer to inject (undefined on a real tmpfs, whose node:fs is the real thing). */
	readonly fs: WriterFs | undefined;
	/** Bytes still free. */
	free(): number;
	/** Fill the disk so that about `leave` bytes are free. */
	fill(leave?: number): void;
	/** Delete the filler: room again. */
	makeRoom(): void;
	/** Unmount (or remove) it; call in afterAll / finally. */
	close(): void;
}

const FILLER = 'filler.bin';

function tryMount(dir: string, size: number): boolean {
	if (process.env.PACER_TEST_NO_MOUNT === '1' || process.getuid?.() !== 0) return false;
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** A small disk of `size` bytes. */
export function openSmallDisk(size = 48 * 1024): SmallDisk {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-small-disk-'));
	return tryMount(dir, size) ? tmpfsDisk(dir) : injectedDisk(dir, size);
}

function tmpfsDisk(dir: string): SmallDisk {
	const free = () => {
		const stats = fs.statfsSync(dir);
		return stats.bavail * stats.bsize;
	};
	return {
		kind: 'tmpfs',
		dir,
		fs: undefined,
		free,
		fill(leave = 0) {
			const filler = path.join(dir, FILLER);
			const fd = fs.openSync(filler, 'a');
			try {
				const block = Buffer.alloc(4096, 0x2e);
				for (;;) fs.writeSync(fd, block);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
			} finally {
				fs.closeSync(fd);
			}
			// tmpfs hands out whole pages: free whole pages too.
			const page = fs.statfsSync(dir).bsize;
			if (leave > 0) fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - Math.ceil(leave / page) * page));
		},
		makeRoom() {
			fs.rmSync(path.join(dir, FILLER), {force: true});
		},
		close() {
			try {
				execFileSync('umount', [dir], {stdio: 'ignore'});
			} catch {
				// Still busy (a descriptor a failed test left open): detach it now, freed when the last one closes.
				execFileSync('umount', ['-l', dir], {stdio: 'ignore'});
			}
			fs.rmSync(dir, {recursive: true, force: true});
		},
	};
}

function injectedDisk(dir: string, capacity: number): SmallDisk {
	const used = () => {
		let total = 0;
		for (const name of fs.readdirSync(dir)) {
			try {
				total += fs.statSync(path.join(dir, name)).size;
			} catch {
				// gone meanwhile
			}
		}
		return total;
	};
	const free = () => Math.max(0, capacity - used());
	/** Descriptors of files on the small disk. */
	const onDisk = new Set<number>();
	const inside = (file: fs.PathLike) => path.resolve(String(file)).startsWith(dir + path.sep);
	const layer: WriterFs = {
		...fs,
		openSync: ((file: fs.PathLike, flags: fs.OpenMode = 'r', mode?: fs.Mode) => {
			const fd = fs.openSync(file, flags, mode);
			if (inside(file)) onDisk.add(fd);
			return fd;
		}) as typeof fs.openSync,
		closeSync: (fd: number) => {
			onDisk.delete(fd);
			fs.closeSync(fd);
		},
		writeSync: ((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: Array<number | null | undefined | BufferEncoding>) => {
			if (!onDisk.has(fd)) return (fs.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
			// Both forms: (fd, string, position?, encoding?) and (fd, buffer, offset?, length?, position?).
			const bytes = typeof data === 'string' ? Buffer.from(data, (rest[1] as BufferEncoding | undefined) ?? 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
			const start = typeof data === 'string' ? 0 : ((rest[0] as number | undefined) ?? 0);
			const want = typeof data === 'string' ? bytes.length : ((rest[1] as number | undefined) ?? bytes.length - start);
			const position = (typeof data === 'string' ? rest[0] : rest[2]) as number | null | undefined;
			const room = free();
			if (room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC', errno: -28, syscall: 'write'});
			// A disk short of room takes what fits, and fails the rest on the next call.
			return fs.writeSync(fd, bytes, start, Math.min(want, room), position);
		}) as typeof fs.writeSync,
	};
	return {
		kind: 'injected',
		dir,
		fs: layer,
		free,
		fill(leave = 0) {
			const size = Math.max(0, capacity - used() - leave);
			fs.writeFileSync(path.join(dir, FILLER), Buffer.alloc(size, 0x2e));
		},
		makeRoom() {
			fs.rmSync(path.join(dir, FILLER), {force: true});
		},
		close() {
			fs.rmSync(dir, {recursive: true, force: true});
		},
	};
}
