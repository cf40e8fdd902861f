/**
 * The state of a `--batch-api` run, beside `--out` (`<out>.batches.json`): which run it is
 * (the input's hash, model, API, endpoint host; never the key) and each part's file id and
 * batch id. It is written whole (a temp file, fsync, rename, fsync of the folder) before
 * the step that depends on it, so a crash at any point leaves either the old state or the
 * new one: after an upload the file id is on disk before the batch is created, after the
 * create the batch id is on disk before any poll, and `--resume` never uploads or creates
 * a part again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {BatchStatus} from './batchRow.js';
import type {BatchEndpoint} from './requestLines.js';
import {writeAllAt} from '../core/wholeWrites.js';
import {writeFailure} from '../core/writeFailure.js';

export const STATE_VERSION = 1;

export interface PartState {
	/** 1-based. */
	readonly part: number;
	readonly endpoint: BatchEndpoint;
	readonly model: string;
	readonly firstLine: number;
	readonly lastLine: number;
	requests: number;
	bytes: number;
	sha256: string;
	/** Worst-case tokens of the part when it was laid out (what `--budget-*` holds against). */
	readonly worstInputTokens: number;
	readonly worstOutputTokens: number;
	fileId: string | null;
	batchId: string | null;
	status: BatchStatus;
	/** Epoch ms the batch was created and reached a final status. */
	createdAt: number | null;
	endedAt: number | null;
	note: string | null;
	/** Every line of the part has its record in `--out`. */
	collected: boolean;
	/** Not submitted: the budget would not cover it. */
	skipped?: boolean;
}

export interface RunState {
	readonly version: number;
	/** Random, made when the run was first laid out; names its batches in their metadata. */
	readonly runId: string;
	/** sha256 of every request line of the input, in order: resume refuses another input. */
	readonly inputHash: string;
	readonly model: string;
	readonly api: string;
	/** Where the batches are (a host, or the simulator), never the key. */
	readonly host: string;
	readonly createdAt: string;
	parts: PartState[];
}

/** The state file cannot be read or written: nothing more is sent. */
export class StateFileError extends Error {
	override readonly name = 'StateFileError';
}

export const statePathFor = (out: string): string => `${out}.batches.json`;

/** The state beside `out`, or null when there is none. Throws StateFileError for one that cannot be read. */
export function readState(file: string): RunState | null {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw new StateFileError(`${file}: cannot read the batch state (${writeFailure(file, error).message})`);
	}
	let state: RunState;
	try {
		state = JSON.parse(text) as RunState;
	} catch {
		throw new StateFileError(`${file}: the batch state is not valid JSON; it was not written by pacer, or was edited`);
	}
	if (state?.version !== STATE_VERSION || typeof state.runId !== 'string' || !Array.isArray(state.parts)) {
		throw new StateFileError(`${file}: not a pacer batch state of version ${STATE_VERSION}`);
	}
	return state;
}

/** Write `state` whole: temp file, fsync, rename over `file`, fsync of the folder. Throws StateFileError. */
export function writeState(file: string, state: RunState): void {
	const temp = `${file}.${process.pid}.tmp`;
	try {
		const fd = fs.openSync(temp, 'w', 0o600);
		try {
			writeAllAt(fs.writeSync, fd, Buffer.from(`${JSON.stringify(state, null, 1)}\n`), 0);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(temp, file);
		syncFolder(path.dirname(path.resolve(file)));
	} catch (error) {
		fs.rmSync(temp, {force: true});
		throw new StateFileError(`${file}: cannot save the batch state (${writeFailure(file, error).message}); nothing more is sent until it can be`);
	}
}

function syncFolder(dir: string): void {
	let fd: number | null = null;
	try {
		fd = fs.openSync(dir, 'r');
		fs.fsyncSync(fd);
	} catch {
		// Some filesystems cannot fsync a folder; the rename is still atomic.
	} finally {
		if (fd != null) fs.closeSync(fd);
	}
}
