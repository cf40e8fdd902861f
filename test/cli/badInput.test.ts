/** Bad input: a clear one-line error naming file:line, exit 2, and not one request sent. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {runCli} from '../helpers/cli.js';

let dir: string;
let sim: Simulator;
beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-bad-'));
	sim = await startSimulator({latencyScale: 0});
});
afterAll(async () => {
	// Nothing any of these runs did may have reached the server.
	expect(sim.stats().requests).toBe(0);
	await sim.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

function file(name: string, content: string | Buffer): string {
	const p = path.join(dir, name);
	fs.writeFileSync(p, content);
	return p;
}

const run = (input: string, ...extra: string[]) => runCli(['run', input, '--no-tui', '--base-url', sim.url, ...extra]);

describe('bad input is refused before any request', () => {
	test.each<[string, () => string, RegExp]>([
		['an empty file', () => file('empty.txt', ''), /empty\.txt: no prompts/],
		['only blank lines', () => file('blank.txt', '\n   \n\t\n'), /blank\.txt: no prompts/],
		['invalid JSON', () => file('bad.jsonl', '{"prompt":"a"}\n{"prompt":"b"}\n{"prompt": nope}\n'), /bad\.jsonl:3: .*JSON/],
		['a wrong field type', () => file('types.jsonl', '{"prompt":"a"}\n{"prompt":42}\n'), /types\.jsonl:2: .*prompt/],
		['non-UTF-8 bytes', () => file('latin1.txt', Buffer.from([0x68, 0x69, 0x0a, 0xff, 0xfe, 0x41, 0x0a])), /latin1\.txt:2: .*UTF-8/],
		['duplicate ids', () => file('dupes.jsonl', '{"id":"a","prompt":"x"}\n{"id":"b","prompt":"y"}\n{"id":"a","prompt":"z"}\n'), /dupes\.jsonl:3: duplicate id "a"/],
		['a directory', () => dir, /is a directory/],
		['a missing file', () => path.join(dir, 'nope.txt'), /nope\.txt: .*(no such file|not found|does not exist)/i],
	])('%s', async (_name, make, message) => {
		const result = await run(make());
		expect(result.code).toBe(2);
		expect(result.stderr.split('\n')[0]).toMatch(message);
		expect(result.stdout).not.toMatch(/succeeded/);
	});

	test('a 50 MB line', async () => {
		const big = file('big.txt', `short prompt\n${'x'.repeat(50 * 1024 * 1024)}\n`);
		const result = await run(big);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/big\.txt:2: line is \d+ bytes, over the/);
	});

	test('an --out folder that does not exist', async () => {
		const ok = file('ok.txt', 'hello\n');
		const result = await run(ok, '--out', path.join(dir, 'missing', 'deeper', 'out.jsonl'));
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/out\.jsonl: the folder .* does not exist or is not writable/);
	});

	test('an --out path inside a file', async () => {
		const ok = file('ok2.txt', 'hello\n');
		const result = await run(ok, '--out', path.join(ok, 'out.jsonl'));
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/out\.jsonl/);
	});

	test('a usage error (unknown option) exits 2', async () => {
		const result = await runCli(['run', 'x.txt', '--no-such-flag']);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/unknown option/);
	});
});
