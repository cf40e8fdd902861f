import * as fs from 'node:fs';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {hashId} from '../../src/core/idHashes.js';
import {InputError, MAX_LINE_BYTES, parseJobs} from '../../src/core/input.js';
import {forEachLine} from '../../src/core/inputLines.js';
import type {InputKind} from '../../src/core/inputKind.js';
import {openJobFile} from '../../src/core/jobFile.js';
import {LineReader} from '../../src/core/lineReader.js';
import type {JobSpec} from '../../src/core/types.js';

const scratch = mkdtempSync(join(tmpdir(), 'pacer-jobfile-'));
let files = 0;

function fileOf(content: string | Buffer, ext = '.jsonl'): string {
	const file = join(scratch, `f${files++}${ext}`);
	writeFileSync(file, content);
	return file;
}

function all(file: string, kind?: InputKind): JobSpec[] {
	const input = openJobFile(file, kind ? {kind} : {});
	const specs: JobSpec[] = [];
	const it = input.specs();
	for (let step = it.next(); !step.done; step = it.next()) specs.push(step.value);
	expect(specs.length).toBe(input.total);
	return specs;
}

function problemOf(run: () => unknown): InputError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(InputError);
		return error as InputError;
	}
	throw new Error('expected an InputError');
}

/** What the whole-file reader says of `content`: its specs, or its problems as the CLI prints them. */
function wholeFile(content: Buffer, kind: InputKind): JobSpec[] | string {
	try {
		return parseJobs(content, 'f', kind);
	} catch (error) {
		if (error instanceof InputError) return error.detail;
		throw error;
	}
}

function streamed(content: Buffer, kind: InputKind): JobSpec[] | string {
	const file = fileOf(content);
	try {
		return all(file, kind);
	} catch (error) {
		if (error instanceof InputError) return error.detail.replaceAll(file, 'f');
		throw error;
	} finally {
		fs.rmSync(file);
	}
}

const line = fc.oneof(
	fc.constantFrom('', '  ', '\r', '{', 'not json', '[1]', '{"prompt": ""}', '{"prompt": 3}', '{"max_tokens": 9, "prompt": "x"}'),
	fc.string({maxLength: 12}).map(prompt => JSON.stringify({prompt})),
	fc.tuple(fc.constantFrom('a', 'b', 'c', 7), fc.string({minLength: 1, maxLength: 6})).map(([id, prompt]) => JSON.stringify({id, prompt})),
	fc.string({maxLength: 10}),
);
const content = fc
	.tuple(fc.boolean(), fc.array(line, {maxLength: 30}), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.option(fc.integer({min: 0, max: 29})))
	.map(([bom, lines, newline, lastNewline, bad]) => {
		const parts = lines.map(text => Buffer.from(text, 'utf8'));
		// A byte that is not UTF-8 somewhere.
		if (bad != null && parts.length > 0) parts[bad % parts.length] = Buffer.concat([parts[bad % parts.length]!, Buffer.from([0xc3, 0x28])]);
		const body = Buffer.concat(parts.flatMap((part, i) => (i < parts.length - 1 || lastNewline ? [part, Buffer.from(newline)] : [part])));
		return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
	});

describe('a prompts file read as a stream', () => {
	it('reads what the whole-file reader reads, and refuses what it refuses with the same messages', () => {
		fc.assert(
			fc.property(content, fc.constantFrom<InputKind>('jsonl', 'txt'), (bytes, kind) => {
				expect(streamed(bytes, kind)).toEqual(wholeFile(bytes, kind));
			}),
			{numRuns: 300},
		);
	});

	it('cuts lines across chunk boundaries as forEachLine does', () => {
		fc.assert(
			fc.property(content, fc.integer({min: 1, max: 9}), (bytes, chunk) => {
				const expected: unknown[] = [];
				forEachLine(bytes, (n, text, size) => expected.push([n, text, size]));
				const file = fileOf(bytes);
				const reader = new LineReader(fs.openSync(file, 'r'), chunk);
				const got: unknown[] = [];
				for (let read = reader.next(); read; read = reader.next()) got.push([read.line, read.content, read.bytes]);
				reader.close();
				fs.rmSync(file);
				expect(got).toEqual(expected);
			}),
			{numRuns: 300},
		);
	});

	it('names the file and line of each problem', () => {
		const file = fileOf('{"prompt": "fine"}\nnot json\n\n{"prompt": 5}\n');
		const error = problemOf(() => openJobFile(file));
		expect(error.message).toMatch(new RegExp(`^${file}:2: invalid JSON`));
		expect(error.errors.map(e => e.line)).toEqual([2, 4]);
		expect(error.errors[1]!.message).toBe(`${file}:4: "prompt" must be a string, got a number`);
		expect(problemOf(() => openJobFile(join(scratch, 'missing.txt'))).message).toBe(`${join(scratch, 'missing.txt')}: no such file`);
		expect(problemOf(() => openJobFile(fileOf('', '.txt'))).reason).toBe('no prompts (the file is empty)');
	});

	it('counts a line over the limit without holding it, and goes on after it', () => {
		const long = Buffer.alloc(MAX_LINE_BYTES + 10, 'a');
		const file = fileOf(Buffer.concat([Buffer.from('first\n'), long, Buffer.from('\r\nlast\n')]), '.txt');
		const error = problemOf(() => openJobFile(file));
		expect(error.message).toBe(`${file}:2: line is ${MAX_LINE_BYTES + 10} bytes, over the 8 MiB limit`);
		expect(error.errorCount).toBe(1);
	});

	it('finds a duplicate id anywhere in a large file, naming the first line with it', () => {
		const lines: string[] = [];
		for (let i = 0; i < 100_000; i++) lines.push(JSON.stringify({id: `job-${i}`, prompt: `p ${i}`}));
		lines.push(JSON.stringify({id: 'job-2', prompt: 'again'}));
		const file = fileOf(lines.join('\n'));
		const error = problemOf(() => openJobFile(file));
		expect(error.message).toBe(`${file}:100001: duplicate id "job-2" (first on line 3)`);
		expect(error.errorCount).toBe(1);
		lines.pop();
		expect(openJobFile(fileOf(lines.join('\n'))).total).toBe(100_000);
	});

	it('tells two ids with one hash apart by reading them again', () => {
		// Two different ids whose 32-bit hashes are equal, found the way a birthday would.
		const seen = new Map<number, string>();
		let pair: [string, string] | null = null;
		for (let i = 0; !pair; i++) {
			const id = `id-${i}`;
			const other = seen.get(hashId(id));
			if (other !== undefined) pair = [other, id];
			else seen.set(hashId(id), id);
		}
		const [a, b] = pair;
		expect(hashId(a)).toBe(hashId(b));
		const lines = [{id: a, prompt: 'one'}, {id: 'x', prompt: 'two'}, {id: b, prompt: 'three'}].map(j => JSON.stringify(j));
		expect(all(fileOf(lines.join('\n'))).map(spec => spec.id)).toEqual([a, 'x', b]);
		// A real duplicate of the second is named against it, not against the first with that hash.
		const file = fileOf([...lines, JSON.stringify({id: b, prompt: 'four'})].join('\n'));
		const error = problemOf(() => openJobFile(file));
		expect(error.message).toBe(`${file}:4: duplicate id ${JSON.stringify(b)} (first on line 3)`);
	});

	it('reads the jobs again on each pass, one line at a time', () => {
		const file = fileOf('{"id": "a", "prompt": "one"}\n\n{"prompt": "two"}\n');
		const input = openJobFile(file);
		expect(input.total).toBe(2);
		const first = input.specs();
		expect(first.next().value).toMatchObject({id: 'a', line: 1});
		// A second pass starts over while the first is under way.
		expect([...{[Symbol.iterator]: () => input.specs()}].map(spec => spec.id)).toEqual(['a', 'line-3']);
		expect(first.next().value).toMatchObject({id: 'line-3', line: 3});
		expect(first.next().done).toBe(true);
	});
});

describe('a prompts file edited during the run', () => {
	it('is an error on the pass that finds it, not a run that waits for prompts that are gone', () => {
		const file = fileOf('{"prompt": "one"}\n{"prompt": "two"}\n');
		const input = openJobFile(file);
		writeFileSync(file, '{"prompt": "one"}\n');
		const pass = input.specs();
		expect(pass.next().value).toMatchObject({id: 'line-1'});
		expect(problemOf(() => pass.next()).message).toBe(`${file}: 1 prompts where it had 2 (the file changed after it was checked)`);
		writeFileSync(file, '{"prompt": "one"}\n{"prompt": "two"}\n{"prompt": "three"}\n');
		expect(problemOf(() => [...{[Symbol.iterator]: () => input.specs()}]).message).toBe(`${file}:3: more than the 2 prompts it had (the file changed after it was checked)`);
	});
});
