import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, expect, test} from 'vitest';
import {findRecord} from '../../src/store/recordLookup.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

function resultsFile(lines: readonly object[]): string {
	const dir = mkdtempSync(join(tmpdir(), 'pacer-lookup-'));
	dirs.push(dir);
	const path = join(dir, 'out.jsonl');
	writeFileSync(path, lines.map(line => `${JSON.stringify(line)}\n`).join(''));
	return path;
}

const record = (id: string, status: string, output: string) => ({id, line: 1, status, output, attempts: 1});

test('the latest record of an id, not of an id it is the start of', async () => {
	const path = resultsFile([record('line-1', 'failed', ''), record('line-10', 'succeeded', 'ten'), record('line-1', 'succeeded', 'one'), record('line-10', 'failed', '')]);
	expect(await findRecord(path, 'line-1')).toMatchObject({status: 'succeeded', output: 'one'});
	expect(await findRecord(path, 'line-10')).toMatchObject({status: 'failed'});
	expect(await findRecord(path, 'line-2')).toBeNull();
});

test('a record across the chunks the file is read in, and one whose reply quotes another id', async () => {
	const filler = Array.from({length: 30}, (_, i) => record(`f${i}`, 'succeeded', 'x'.repeat(70_000 + i)));
	const quoting = record('q', 'succeeded', '{"id":"far",');
	const far = record('far', 'succeeded', `start ${'y'.repeat(3_000_000)} end`);
	const path = resultsFile([far, ...filler, quoting, ...filler]);
	const found = await findRecord(path, 'far');
	expect(found?.output).toMatch(/^start y+ end$/);
	expect(found?.output).toHaveLength(3_000_010);
	expect(await findRecord(path, 'f29')).toMatchObject({output: 'x'.repeat(70_029)});
});

test('no results file yet reads as no record; a stopped lookup says so', async () => {
	expect(await findRecord(join(tmpdir(), 'pacer-no-such-file.jsonl'), 'a')).toBeNull();
	const path = resultsFile([record('a', 'succeeded', 'a')]);
	const controller = new AbortController();
	controller.abort();
	await expect(findRecord(path, 'a', controller.signal)).rejects.toThrow();
});
