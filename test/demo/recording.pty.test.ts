/**
 * `--record` end to end: the built CLI in a pseudo-terminal records itself, and the cast,
 * played back through a headless xterm, ends on the screen the run ended on.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, expect, test} from 'vitest';
import {startSimulator} from '../../src/sim/index.js';
import {readRecords} from '../helpers/cli.js';
import {recordRun, replayCast, withoutTimes} from './replay.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

beforeAll(() => {
	if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
}, 120_000);

let dir = '';
afterEach(() => {
	if (dir) rmSync(dir, {recursive: true, force: true});
	dir = '';
});

function promptsFile(n: number): string {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-rec-'));
	const lines = Array.from({length: n}, (_, i) => JSON.stringify({id: `p${String(i + 1).padStart(2, '0')}`, prompt: `Prompt ${i + 1}: name a colour and say why`}));
	writeFileSync(path.join(dir, 'prompts.jsonl'), `${lines.join('\n')}\n`);
	return 'prompts.jsonl';
}

/**
 * A seeded chaos run, fast: latencies and seeded waits at 5 %, backoff in tens of ms, the
 * simulator's own limits out of reach (their 429s depend on timing, the seeded ones do not),
 * no stalls (their idle timeout is real time), and more permanently bad prompts.
 */
function seededRun(seed: number, concurrency: number, out: string): string[] {
	return [
		'run', 'prompts.jsonl', '--sim', 'chaos', '--seed', String(seed), '--concurrency', String(concurrency), '--out', out,
		'--sim-latency-scale', '0.05', '--sim-rpm', '100000', '--sim-tpm', '100000000', '--sim-faults', 'stall=0,badRequest=0.15',
		'--backoff-base', '20', '--backoff-max', '100', '--exit-when-done',
	];
}

function tally(records: ReturnType<typeof readRecords>) {
	const count = (status: string) => records.filter(record => record.status === status).length;
	const sum = (pick: (record: Record<string, unknown>) => unknown) => records.reduce((total, record) => total + Number(pick(record) ?? 0), 0);
	const usage = (record: Record<string, unknown>) => record.usage as {input_tokens: number; output_tokens: number} | null;
	return {
		succeeded: count('succeeded'),
		failed: count('failed'),
		attempts: sum(record => record.attempts),
		tokensIn: sum(record => usage(record)?.input_tokens),
		tokensOut: sum(record => usage(record)?.output_tokens),
	};
}

test('a recorded run replays to the summary, with the counts of the results file', async () => {
	const input = promptsFile(16);
	const run = await recordRun(cli, seededRun(5, 4, 'results.jsonl'), {cwd: dir, cast: path.join(dir, 'run.cast')});
	expect(input).toBe('prompts.jsonl');
	const records = readRecords(path.join(dir, 'results.jsonl'));
	const want = tally(records);
	expect(records).toHaveLength(16);
	expect(want.failed).toBeGreaterThan(0);
	expect(run.code).toBe(1);

	const replay = await replayCast(run.cast);
	expect(replay.header).toMatchObject({version: 2, width: 100, height: 30, env: {TERM: 'xterm-256color', SHELL: '/bin/bash'}});
	expect(Object.keys(replay.header.env).sort()).toEqual(['SHELL', 'TERM']);
	expect(replay.header.title).toBe('pacer run prompts.jsonl (simulator chaos, seed 5)');
	const lines = replay.screen.split('\n');
	expect(lines[0]).toMatch(/^pacer · gpt-5\.4-mini · simulator chaos · seed 5 +✓ done {2}\d\d:\d\d$/);
	expect(lines[1]).toMatch(new RegExp(`^! done in [\\d.]+s · 16 prompts: ${want.succeeded} succeeded, ${want.failed} failed, 0 cancelled, 0 skipped$`));
	const fmt = (n: number) => n.toLocaleString('en-US');
	expect(lines[2]).toContain(`attempts ${fmt(want.attempts)} (${want.attempts - 16} retries,`);
	expect(lines[2]).toContain(`tokens in ${fmt(want.tokensIn)} out ${fmt(want.tokensOut)}`);
	expect(replay.screen).toContain('results → results.jsonl');
	// Every row as the results file has it.
	for (const record of records) {
		const row = lines.find(line => line.includes(` ${record.id} `));
		expect(row, record.id).toMatch(record.status === 'succeeded' ? / ✓ (done|truncated) / : / ✗ /);
	}
	// The recording stops on the dashboard: not the normal screen, not the printed summary.
	expect(run.cast).not.toContain('\x1b[?1049l');
	expect(run.output).toContain(`pacer: recorded the dashboard to ${path.join(dir, 'run.cast')}`);
});

test('same seed, same final screen, whatever the concurrency (time figures aside)', async () => {
	promptsFile(16);
	const [a, b] = await Promise.all([
		recordRun(cli, seededRun(11, 2, 'a.jsonl'), {cwd: dir, cast: path.join(dir, 'a.cast')}),
		recordRun(cli, seededRun(11, 8, 'b.jsonl'), {cwd: dir, cast: path.join(dir, 'b.cast')}),
	]);
	const [screenA, screenB] = [(await replayCast(a.cast)).screen, (await replayCast(b.cast)).screen];
	// A screen worth comparing: retries, a permanent failure, replies cut at the cap.
	expect(screenA).toMatch(/done in [\d.]+s · 16 prompts: \d+ succeeded, [1-9]\d* failed/);
	expect(screenA).toMatch(/attempts \d+ \([1-9]\d* retries/);
	expect(withoutTimes(screenA.replace('a.jsonl', 'X.jsonl'))).toBe(withoutTimes(screenB.replace('b.jsonl', 'X.jsonl')));
	// Underneath: every prompt's outcome, reply and usage are the same.
	const outcome = (file: string) =>
		readRecords(path.join(dir, file)).map(({id, status, attempts, output, usage, error}) => ({id, status, attempts, output, usage, error: error?.kind ?? null}));
	expect(outcome('a.jsonl')).toEqual(outcome('b.jsonl'));
});

test('the API key never reaches the recording', async () => {
	const key = ['sk', 'proj', 'DEMOSECRETabcdefghijklmnop1234'].join('-');
	const sim = await startSimulator({profile: 'calm', seed: 1, latencyScale: 0.05, apiKey: key});
	try {
		promptsFile(3);
		const run = await recordRun(cli, ['run', 'prompts.jsonl', '--base-url', sim.url, '--out', 'r.jsonl', '--exit-when-done'], {
			cwd: dir,
			cast: path.join(dir, 'run.cast'),
			env: {OPENAI_API_KEY: key},
		});
		expect(run.code).toBe(0);
		expect((await replayCast(run.cast)).screen).toContain('3 prompts: 3 succeeded');
		expect(run.cast).not.toContain('DEMOSECRET');
		expect(readFileSync(path.join(dir, 'run.cast'), 'utf8')).not.toContain(key.slice(8, 20));
	} finally {
		await sim.close();
	}
});
