/** `pacer run` headless as CI and scripts use it: the demo batch, --json, secrets, count. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, ROOT, runCli} from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-run-'));
});
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

const demo = path.join(ROOT, 'examples', 'prompts.txt');
const demoIds = fs
	.readFileSync(demo, 'utf8')
	.split('\n')
	.map((line, i) => (line.trim() ? `line-${i + 1}` : null))
	.filter((id): id is string => id !== null);

describe('pacer run --no-tui', () => {
	test('the flaky demo recovers every transient fault and says what it did', {timeout: 60_000}, async () => {
		const out = path.join(dir, 'flaky.jsonl');
		const result = await runCli(['run', demo, '--sim', 'flaky', '--seed', '7', '--no-tui', '--out', out]);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/using the built-in simulator \(simulator flaky · seed 7\)/);
		expect(result.stdout).toMatch(/retry +attempt 1 /);
		expect(result.stdout).toMatch(/pacer: 40 prompts in [\d.]+s: 40 succeeded, 0 failed, 0 cancelled, 0 skipped/);
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(demoIds);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		expect(fs.statSync(out).mode & 0o777).toBe(0o600);
	});

	test('chaos loses nothing: every prompt ends in the file exactly once', {timeout: 90_000}, async () => {
		const out = path.join(dir, 'chaos.jsonl');
		const result = await runCli(['run', demo, '--sim', 'chaos', '--seed', '3', '--no-tui', '--out', out, '--concurrency', '8', '--idle-timeout', '2', '--backoff-base', '100']);
		expect([0, 1]).toContain(result.code);
		const records = readRecords(out);
		expect(records.map(r => r.id)).toEqual(demoIds);
		for (const r of records.filter(r => r.status !== 'succeeded')) expect(r.error!.kind).toBe('bad_request');
	});

	test('--json prints the summary as JSON on stdout', async () => {
		const file = path.join(dir, 'three.txt');
		fs.writeFileSync(file, 'one\ntwo\nthree\n');
		const result = await runCli(['run', file, '--sim', '--no-tui', '--json']);
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
		expect(summary).toMatchObject({total: 3, succeeded: 3, failed: 0, out: `${file}.results.jsonl`});
		expect(summary.tokensIn).toBeGreaterThan(0);
	});

	test('with no key and no base URL, run uses the simulator and says so', async () => {
		const file = path.join(dir, 'one.txt');
		fs.writeFileSync(file, 'hello\n');
		const result = await runCli(['run', file, '--no-tui']);
		expect(result.code).toBe(0);
		expect(result.stderr).toMatch(/no OPENAI_API_KEY and no --base-url: using the built-in simulator/);
	});
});

/** Fake keys are built at run time so nothing key-shaped is committed. */
const RIGHT_KEY = ['sk', 'the-right-one-0000000000000000'].join('-');

describe('secrets', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({latencyScale: 0, apiKey: RIGHT_KEY});
	});
	afterAll(() => sim.close());

	test('a refused key stops the run, and the key appears nowhere', async () => {
		const key = ['sk', 'proj', 'SECRETsecretSECRETsecret1234'].join('-');
		const file = path.join(dir, 'k.txt');
		fs.writeFileSync(file, 'a\nb\nc\n');
		const out = path.join(dir, 'k.jsonl');
		const result = await runCli(['run', file, '--no-tui', '--base-url', sim.url, '--out', out, '--concurrency', '1'], {env: {OPENAI_API_KEY: key}});
		expect(result.code).toBe(1);
		expect(result.stdout).toMatch(/fix OPENAI_API_KEY/);
		const everything = result.stdout + result.stderr + fs.readFileSync(out, 'utf8');
		expect(everything).not.toContain('SECRETsecret');
		expect(everything).toMatch(/sk-…[.*]*1234/);
		const records = readRecords(out);
		expect(records.map(r => r.status)).toEqual(['failed', 'skipped', 'skipped']);
	});

	test('--api-key-file reads the key from a file', async () => {
		const keyFile = path.join(dir, 'key');
		fs.writeFileSync(keyFile, `${RIGHT_KEY}\n`);
		const file = path.join(dir, 'kf.txt');
		fs.writeFileSync(file, 'a\n');
		const result = await runCli(['run', file, '--no-tui', '--base-url', sim.url, '--api-key-file', keyFile]);
		expect(result.code).toBe(0);
	});
});

describe('pacer count', () => {
	test('estimates tokens and cost without sending anything', async () => {
		const result = await runCli(['count', demo, '--max-input-tokens', '20']);
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/40/);
		expect(result.stdout).toMatch(/\$/);
		const json = JSON.parse((await runCli(['count', demo, '--json'])).stdout);
		expect(json.prompts).toBe(40);
		expect(json.inputTokens.total).toBeGreaterThan(400);
		expect(json.costUsd.max).toBeGreaterThan(json.costUsd.min);
	});

	test('an unknown model has an unknown cost, never 0', async () => {
		const json = JSON.parse((await runCli(['count', demo, '--json', '--model', 'my-local-llama'])).stdout);
		expect(json.costUsd).toBeNull();
	});
});

test('--help and --version', async () => {
	const help = await runCli(['--help']);
	expect(help.code).toBe(0);
	expect(help.stdout).toMatch(/run \[options\] <prompts-file\|->/);
	const version = await runCli(['--version']);
	expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});
