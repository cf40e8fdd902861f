/**
 * The results side of a run: the lock beside `--out`, the writer, and what its failures
 * mean for the run (the runner holds dispatching, the store and the listener hear it once),
 * resume (what is already done, fallback files of earlier runs merged back in), and the
 * end (the compaction, a fallback file for what `--out` would not take).
 */
import * as fs from 'node:fs';
import type {Runner} from './core/runner.js';
import {defaultFallbackDirs, findFallbacks} from './core/fallback.js';
import {compactResults, dropTornTail, indexResults, lockResults, readResults, ResultsFileError, type IndexedResults} from './core/results.js';
import {ResultsWriter, type WriterEvent, type WriterFs} from './core/resultsWriter.js';
import type {ResultRecord} from './core/types.js';
import {writeFailure} from './core/writeFailure.js';
import type {DiskStatus, RunStore} from './store/runStore.js';

export interface RunResultsOptions {
	/** Continue `--out` (and merge its fallback files) instead of replacing it. @default false */
	readonly resume?: boolean;
	/** How often a results file that takes nothing is tried again. @default 1000 */
	readonly retryMs?: number;
	/** Where a fallback file may go, and where resume looks for one. @default [the temp folder, the current folder] */
	readonly fallbackDirs?: readonly string[];
	/** File operations of the writer (tests that cannot mount a small disk). @default node:fs */
	readonly fs?: WriterFs;
	readonly onEvent?: (event: WriterEvent) => void;
}

const HOLD_REASON = 'the results file takes nothing';

export class RunResults {
	readonly outPath: string;
	readonly writer: ResultsWriter;
	/** Ids whose success is already on disk or in a fallback file (resume skips them). */
	readonly done: DoneIds;
	/** The latest records that did not succeed but carry a condensed input (resume sends it as it is). */
	readonly condensed: ReadonlyMap<string, ResultRecord>;
	/** A torn last line found on resume (and dropped). */
	readonly tornLine: number | null;
	/** Fallback files of earlier runs merged into `--out` on resume. */
	readonly merged: {readonly files: readonly string[]; readonly records: number};
	/** Fallback files of an earlier run that a new run (no resume) removed with the old `--out`. */
	readonly discarded: readonly string[];
	#release: () => void;
	#runner: Runner | null = null;
	#store: RunStore | null = null;
	/** Writer events from before the engine existed (a merge on a full disk), replayed to it. */
	#early: WriterEvent[] | null = [];
	#onEvent: (event: WriterEvent) => void;
	/** Merged fallback files still needed: removed once their records are on disk or in a new fallback. */
	#pendingFiles: string[];
	#compactError: ResultsFileError | null = null;
	/** The results of the run resumed, read back while this one goes (closed at release). */
	#previous: IndexedResults | null;

	/**
	 * Take the lock, read what resume needs, open the writer; throws `ResultsFileError`.
	 * `ids`: the input's ids in order, or a function that walks them (a file read again).
	 */
	constructor(outPath: string, ids: readonly string[] | (() => Iterable<string>), options: RunResultsOptions = {}) {
		const order = typeof ids === 'function' ? ids : () => ids;
		this.outPath = outPath;
		this.#onEvent = options.onEvent ?? (() => {});
		this.#release = lockResults(outPath);
		let tornLine: number | null = null;
		let toMerge: ResultRecord[] = [];
		let files: string[] = [];
		let discarded: string[] = [];
		let condensed = new Map<string, ResultRecord>();
		const merged = new Set<string>();
		let previous: IndexedResults | null = null;
		try {
			if (options.resume) {
				previous = indexResults(outPath);
				tornLine = previous.tornLine;
				if (tornLine != null || previous.badLines.length > 0) {
					tidy(outPath, order, previous.tornOffset);
					// Tidied, the records are elsewhere in the file: where is read again.
					previous.close();
					previous = indexResults(outPath);
				}
				const {index} = previous;
				for (const slot of index.slots((at, withCondensed) => withCondensed && index.status(at) !== 'succeeded')) {
					const record = index.record(slot);
					condensed.set(record.id, record);
				}
				files = findFallbacks(outPath, options.fallbackDirs ?? defaultFallbackDirs());
				toMerge = readFallbacks(files, id => succeededIn(previous, id) || merged.has(id), merged);
			} else {
				// A new run replaces an old results file rather than mixing with it, and its
				// fallback files with it: a later --resume must not merge another run's results.
				removeOld(outPath);
				discarded = findFallbacks(outPath, options.fallbackDirs ?? defaultFallbackDirs());
				for (const file of discarded) removeOld(file);
			}
			this.writer = new ResultsWriter(outPath, {
				retryMs: options.retryMs,
				fallbackDirs: options.fallbackDirs,
				fs: options.fs,
				onEvent: event => this.#heard(event),
			});
		} catch (error) {
			previous?.close();
			this.#release();
			throw error;
		}
		this.#previous = previous;
		const onDisk = previous;
		this.done = {
			get size() {
				return (onDisk?.index.size ?? 0) + merged.size;
			},
			has: id => merged.has(id) || succeededIn(onDisk, id),
		};
		this.condensed = condensed;
		this.tornLine = tornLine;
		this.merged = {files, records: toMerge.length};
		this.discarded = discarded;
		this.#pendingFiles = files;
		for (const record of toMerge) this.writer.append(record);
		if (!this.writer.failure) this.#dropMerged(this.writer.sync());
	}

	/** The runner to hold while writes fail, the store to show it; what was heard before they existed is replayed now. */
	attach(runner: Runner, store: RunStore | null): void {
		this.#runner = runner;
		this.#store = store;
		const early = this.#early ?? [];
		this.#early = null;
		for (const event of early) this.#heard(event);
	}

	/** Why the final compaction did not happen (the file is valid as it was). */
	get compactError(): ResultsFileError | null {
		return this.#compactError;
	}

	/** After the writer closed: merged fallback files go once nothing of theirs depends on them. */
	afterClose(): void {
		// Closing synced the file, or a fallback file (synced too) has everything that was held.
		const fallback = this.writer.fallback;
		if (fallback == null || fallback.path != null) this.#dropMerged(true);
	}

	/** One record per id in `order`, unless writes were failing at the end (then the file stays as it is). */
	compact(order: Iterable<string>): void {
		if (this.writer.failure || this.writer.fallback) return;
		try {
			compactResults(this.outPath, order);
		} catch (error) {
			if (!(error instanceof ResultsFileError)) throw error;
			this.#compactError = error;
		}
	}

	release(): void {
		this.#previous?.close();
		this.#previous = null;
		this.#release();
	}

	#heard(event: WriterEvent): void {
		if (this.#early) {
			this.#early.push(event);
			return;
		}
		const runner = this.#runner!;
		const store = this.#store?.getState();
		let told = event;
		switch (event.type) {
			case 'write-failed':
				runner.hold(HOLD_REASON);
				told = {...event, inFlight: runner.running};
				store?.setDisk({state: 'held', path: event.failure.path, message: event.failure.message, records: event.held, since: event.at, until: null});
				break;
			case 'held':
				if (store?.disk?.state === 'held') store?.setDisk({...store.disk, records: event.held});
				break;
			case 'write-recovered':
				store?.setDisk({
					state: 'recovered',
					path: event.path,
					message: store?.disk?.message ?? '',
					records: event.written,
					since: store?.disk?.since ?? event.at,
					until: event.at,
				} satisfies DiskStatus);
				this.#dropMerged(this.writer.sync());
				runner.release();
				break;
			case 'recreated':
				store?.setDisk({state: 'recreated', path: event.path, message: 'removed during the run', records: event.records, since: event.at, until: event.at});
				break;
			case 'fallback':
				break;
		}
		this.#onEvent(told);
	}

	/** `synced`: their records are on the disk itself (in --out or a new fallback), not only with the OS. */
	#dropMerged(synced: boolean): void {
		if (this.#pendingFiles.length === 0 || !synced) return;
		for (const file of this.#pendingFiles) {
			try {
				fs.rmSync(file, {force: true});
			} catch {
				// Left behind, it is merged again next time: duplicates, never a loss.
			}
		}
		this.#pendingFiles = [];
	}
}

function removeOld(file: string): void {
	try {
		fs.rmSync(file, {force: true});
	} catch (error) {
		const failure = writeFailure(file, error);
		throw new ResultsFileError(`${file}: cannot remove the results of an earlier run (${failure.message})`, failure);
	}
}

/** Make a damaged file whole before appending: compact it, or at least cut a torn tail off (which needs no room). */
function tidy(outPath: string, order: () => Iterable<string>, tornOffset: number | null): void {
	try {
		compactResults(outPath, order());
	} catch (error) {
		if (!(error instanceof ResultsFileError)) throw error;
		// A bad line mid-file stays (it is reported, never fatal); a torn tail must go.
		if (tornOffset != null) dropTornTail(outPath, tornOffset);
	}
}

/** Records of fallback files, oldest file first, except those whose id already succeeded; `merged` gets the ids that succeed in them. */
function readFallbacks(files: readonly string[], done: (id: string) => boolean, merged: Set<string>): ResultRecord[] {
	const records: ResultRecord[] = [];
	for (const file of files) {
		for (const record of readResults(file).latest.values()) {
			if (done(record.id)) continue;
			records.push(record);
		}
	}
	for (const record of records) if (record.status === 'succeeded') merged.add(record.id);
	return records;
}

/** What resume asks of a results file: did this id succeed? (`size` counts ids with any record: 0 says none did.) */
export interface DoneIds {
	has(id: string): boolean;
	readonly size: number;
}

function succeededIn(results: IndexedResults | null, id: string): boolean {
	if (!results) return false;
	const slot = results.index.find(id);
	return slot !== -1 && results.index.status(slot) === 'succeeded';
}
