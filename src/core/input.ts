/**
 * Prompt files -> JobSpec[]. Every problem is reported as `file:line: what is wrong`
 * before a single request is sent (DESIGN.md "Input"). The pieces: inputLines.ts cuts
 * the bytes into numbered lines, inputKind.ts picks the reader, jobObject.ts reads a
 * .jsonl line (promptLine.ts, batchLine.ts; jobFields.ts checks the fields).
 */
import {readFile} from 'node:fs/promises';
import {InputError, InputProblems} from './inputError.js';
import {detectKind, type InputKind} from './inputKind.js';
import {forEachLine} from './inputLines.js';
import {lineSpec} from './lineSpec.js';
import type {JobSpec} from './types.js';

export {InputError, MAX_LISTED_ERRORS} from './inputError.js';
export {detectKind, type InputKind} from './inputKind.js';
export {MAX_LINE_BYTES} from './inputLines.js';

export interface ReadJobsOptions {
	/**
	 * Read when the path is `-`.
	 * @default process.stdin
	 */
	readonly stdin?: NodeJS.ReadableStream;
	/**
	 * The file's name in error messages.
	 * @default the path as given, or `<stdin>` for `-`
	 */
	readonly displayName?: string;
	/**
	 * The format, instead of guessing it.
	 * @default from the extension (`.txt`, `.jsonl`/`.ndjson`), else from the content
	 */
	readonly kind?: InputKind;
}

/** The problem of a line whose id an earlier line has. */
export function duplicateProblem(id: string, firstLine: number): string {
	return `duplicate id ${JSON.stringify(id)} (first on line ${firstLine})`;
}

/** Reads a prompts file (or stdin for `-`) into job specs. Throws InputError. */
export async function readJobs(path: string, options: ReadJobsOptions = {}): Promise<JobSpec[]> {
	const isStdin = path === '-';
	const name = options.displayName ?? (isStdin ? '<stdin>' : path);
	let content: Buffer;
	if (isStdin) {
		content = await readStream(options.stdin ?? process.stdin);
	} else {
		try {
			content = await readFile(path);
		} catch (error) {
			throw new InputError(name, null, describeReadError(error));
		}
	}
	return parseJobs(content, name, options.kind ?? detectKind(isStdin ? '' : path, content, name));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) {
		chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
	}
	return Buffer.concat(chunks);
}

export function describeReadError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | null)?.code;
	switch (code) {
		case 'ENOENT':
			return 'no such file';
		case 'EISDIR':
			return 'is a directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		default:
			return `cannot read (${error instanceof Error ? error.message : String(error)})`;
	}
}

/**
 * Parses a whole prompts file. Collects up to MAX_LISTED_ERRORS problems and throws
 * them as one InputError (the first as its message); returns specs only for a clean file.
 */
export function parseJobs(text: string | Buffer, fileName: string, kind: InputKind): JobSpec[] {
	const specs: JobSpec[] = [];
	const problems = new InputProblems();
	const firstLineOf = new Map<string, number>();
	let sawLine = false;
	const fail = (line: number, reason: string) => problems.add(new InputError(fileName, line, reason));

	forEachLine(text, (line, content, bytes) => {
		const outcome = lineSpec(kind, line, content, bytes);
		if (outcome === null) return;
		sawLine = true;
		if ('problem' in outcome) return fail(line, outcome.problem);
		const {spec} = outcome;
		const first = firstLineOf.get(spec.id);
		if (first !== undefined) return fail(line, duplicateProblem(spec.id, first));
		firstLineOf.set(spec.id, line);
		specs.push(spec);
	});

	problems.throwIfAny();
	if (!sawLine) {
		throw new InputError(fileName, null, text.length === 0 ? 'no prompts (the file is empty)' : 'no prompts (only blank lines)');
	}
	return specs;
}
