/** The flags issue 7 added to `pacer run`: --record off the dashboard, and the simulator's knobs. */
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {readRecords, runCli} from '../helpers/cli.js';

let dir = '';
let input = '';
beforeEach(() => {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-flags-'));
	input = path.join(dir, 'prompts.txt');
	writeFileSync(input, 'one\ntwo\nthree\n');
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

test('--record without the dashboard says so and writes nothing', async () => {
	const cast = path.join(dir, 'run.cast');
	const result = await runCli(['run', input, '--sim', '--sim-latency-scale', '0', '--out', path.join(dir, 'r.jsonl'), '--record', cast]);
	expect(result.code).toBe(0);
	expect(result.stderr).toContain(`pacer: --record records the dashboard, which is off here (--no-tui, --json or not a terminal): ${cast} not written`);
	expect(existsSync(cast)).toBe(false);
});

test('--sim-faults sets fault rates by name; a bad name or rate is a usage error', async () => {
	const out = path.join(dir, 'r.jsonl');
	const result = await runCli(['run', input, '--sim', 'calm', '--sim-faults', 'badRequest=1', '--sim-latency-scale', '0', '--out', out]);
	expect(result.code).toBe(1);
	expect(readRecords(out).map(record => record.error?.kind)).toEqual(['bad_request', 'bad_request', 'bad_request']);

	const unknown = await runCli(['run', input, '--sim', '--sim-faults', 'gremlins=0.5']);
	expect(unknown.code).toBe(2);
	expect(unknown.stderr).toMatch(/unknown fault "gremlins" \(choose rateLimit, slowDown, /);
	const rate = await runCli(['run', input, '--sim', '--sim-faults', 'rateLimit=2']);
	expect(rate.code).toBe(2);
	expect(rate.stderr).toContain('rateLimit: expected a rate between 0 and 1');
});

test('the --sim-* knobs need the simulator', async () => {
	const result = await runCli(['run', input, '--base-url', 'http://127.0.0.1:9/v1', '--sim-latency-scale', '0']);
	expect(result.code).toBe(2);
	expect(result.stderr).toContain('pacer: --sim-latency-scale tunes the built-in simulator: add --sim');
});
