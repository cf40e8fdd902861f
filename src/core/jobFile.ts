/**
 * A prompts file read as a stream, twice: a first pass checks every line (the same
 * `file:line: what is wrong` as input.ts, before anything is sent) and counts the jobs;
 * each later pass reads the jobs again as the run needs them. Nothing holds the whole
 * file or every job: duplicate ids are found by 32-bit hashes, and a hash seen twice is
 * checked by reading both ids again. stdin cannot be read twice; it goes through readJobs.
 */
import * as fs from 'node:fs';
import {hashId, IdHashes} from './idHashes.js';
import {describeReadError, duplicateProblem} from './input.js';
import {InputError, MAX_LISTED_ERRORS} from './inputError.js';
import {detectKind, type InputKind} from './inputKind.js';
import {LineReader} from './lineReader.js';
import {lineSpec} from './lineSpec.js';
import type {JobInput} from './jobStream.js';
import type {JobSpec} from './types.js';

export interface JobFileOptions {
	/** The file's name in error messages. @default the path as given */
	readonly displayName?: string;
	/** The format, instead of guessing it. @default from the extension, else from the content */
	readonly kind?: InputKind;
}

export interface JobFile extends JobInput {
	readonly kind: InputKind;
}

/** Checks a prompts file line by line and counts its jobs; throws InputError as readJobs does. */
export function openJobFile(path: string, options: JobFileOptions = {}): JobFile {
	const name = options.displayName ?? path;
	const open = () => {
		try {
			return fs.openSync(path, 'r');
		} catch (error) {
			throw new InputError(name, null, describeReadError(error));
		}
	};
	const fd = open();
	let size: number;
	let kind: InputKind;
	try {
		if (fs.fstatSync(fd).isDirectory()) throw new InputError(name, null, describeReadError({code: 'EISDIR'}));
		size = fs.fstatSync(fd).size;
		const head = Buffer.alloc(Math.min(size, 1 << 20));
		fs.readSync(fd, head, 0, head.length, 0);
		kind = options.kind ?? detectKind(path, head, name);
	} catch (error) {
		fs.closeSync(fd);
		throw error instanceof InputError ? error : new InputError(name, null, describeReadError(error));
	}
	const total = checkFile(new LineReader(fd), kind, name, size, () => new LineReader(open()));
	return {kind, total, specs: () => readSpecs(new LineReader(open()), kind, name, total)};
}

interface Problem {
	readonly line: number;
	readonly reason: string;
}

/** The first pass: every problem (the first MAX_LISTED_ERRORS listed), else the number of jobs. */
function checkFile(reader: LineReader, kind: InputKind, name: string, size: number, reopen: () => LineReader): number {
	const listed: Problem[] = [];
	let problems = 0;
	let total = 0;
	let sawLine = false;
	// Text lines have ids of their own numbers (`line-N`): only JSON Lines can repeat one.
	const hashes = kind === 'jsonl' ? new IdHashes() : null;
	/** Pairs (first line of a hash, a later line with the same hash): maybe the same id. */
	const suspects: number[] = [];
	try {
		for (let read = reader.next(); read; read = reader.next()) {
			const outcome = lineSpec(kind, read.line, read.content, read.bytes);
			if (outcome === null) continue;
			sawLine = true;
			if ('problem' in outcome) {
				if (++problems <= MAX_LISTED_ERRORS) listed.push({line: read.line, reason: outcome.problem});
				continue;
			}
			if (hashes) {
				const first = hashes.firstOrAdd(hashId(outcome.spec.id), read.line);
				if (first !== 0) {
					suspects.push(first, read.line);
					continue;
				}
			}
			total++;
		}
	} finally {
		reader.close();
	}
	const duplicates = suspects.length > 0 ? confirmDuplicates(reopen(), kind, suspects) : [];
	// Not duplicates after all (two ids, one hash): jobs like any other.
	total += suspects.length / 2 - duplicates.length;
	problems += duplicates.length;
	if (problems > 0) {
		const errors = [...listed, ...duplicates]
			.sort((a, b) => a.line - b.line)
			.slice(0, MAX_LISTED_ERRORS)
			.map(p => new InputError(name, p.line, p.reason));
		const [first] = errors;
		throw new InputError(name, first!.line, first!.reason, {errors, errorCount: problems});
	}
	if (!sawLine) throw new InputError(name, null, size === 0 ? 'no prompts (the file is empty)' : 'no prompts (only blank lines)');
	return total;
}

/** The lines of `suspects` whose ids an earlier line really has, read again to compare the ids themselves. */
function confirmDuplicates(reader: LineReader, kind: InputKind, suspects: readonly number[]): Problem[] {
	const wanted = new Set(suspects);
	const idAt = new Map<number, string>();
	try {
		for (let read = reader.next(); read; read = reader.next()) {
			if (!wanted.has(read.line)) continue;
			const outcome = lineSpec(kind, read.line, read.content, read.bytes);
			if (outcome && 'spec' in outcome) idAt.set(read.line, outcome.spec.id);
		}
	} finally {
		reader.close();
	}
	// Each group is the lines of one hash, in order: the first line with each id is the one named.
	const groups = new Map<number, number[]>();
	for (let i = 0; i < suspects.length; i += 2) {
		const group = groups.get(suspects[i]!) ?? [suspects[i]!];
		group.push(suspects[i + 1]!);
		groups.set(suspects[i]!, group);
	}
	const duplicates: Problem[] = [];
	for (const lines of groups.values()) {
		const firstOf = new Map<string, number>();
		for (const line of lines) {
			const id = idAt.get(line);
			if (id === undefined) throw new Error(`${line}: the file changed while it was read`);
			const first = firstOf.get(id);
			if (first !== undefined) duplicates.push({line, reason: duplicateProblem(id, first)});
			else firstOf.set(id, line);
		}
	}
	return duplicates;
}

/**
 * A later pass: the jobs, in order, read as they are asked for. A file edited since it was
 * checked is an error, not a run that waits for jobs that are gone or ends before new ones.
 */
function* readSpecs(reader: LineReader, kind: InputKind, name: string, total: number): Generator<JobSpec> {
	const changed = (line: number | null, what: string) => new InputError(name, line, `${what} (the file changed after it was checked)`);
	let read = 0;
	try {
		for (let next = reader.next(); next; next = reader.next()) {
			const outcome = lineSpec(kind, next.line, next.content, next.bytes);
			if (outcome === null) continue;
			if ('problem' in outcome) throw changed(next.line, outcome.problem);
			if (++read > total) throw changed(next.line, `more than the ${total} prompts it had`);
			yield outcome.spec;
		}
	} finally {
		reader.close();
	}
	if (read < total) throw changed(null, `${read} prompts where it had ${total}`);
}
