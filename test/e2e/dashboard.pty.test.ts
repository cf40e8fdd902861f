/**
 * The built CLI in a real pseudo-terminal: node-pty runs it, @xterm/headless keeps the
 * screen, and the test reads rows and presses keys as a person would.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, expect, test} from 'vitest';
import {startPty, type PtySession} from '../helpers/ptySession.js';
import {KEYS} from '../helpers/terminal.js';
import {waitUntil} from '../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

beforeAll(() => {
	if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
}, 120_000);

let dir = '';
let session: PtySession | null = null;
afterEach(() => {
	session?.dispose();
	session = null;
	if (dir) rmSync(dir, {recursive: true, force: true});
	dir = '';
});

/** `script` (the built CLI unless given) with `args`, in a pseudo-terminal of `size`. */
function start(args: string[], size = {cols: 80, rows: 24}, script?: string): PtySession {
	return startPty(args, {...size, cwd: dir || root, script});
}

function promptsFile(n: number): string {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-pty-'));
	const file = path.join(dir, 'prompts.txt');
	writeFileSync(file, Array.from({length: n}, (_, i) => `Prompt ${i + 1}: name a colour`).join('\n') + '\n');
	return file;
}

function records(file: string): Array<{id: string; status: string; attempts: number}> {
	return readFileSync(file, 'utf8').trim().split('\n').map(line => JSON.parse(line));
}

test('pause, cancel, retry and quit in a real terminal; the results file has every id once', async () => {
	const input = promptsFile(30);
	const out = path.join(dir, 'results.jsonl');
	session = start(['run', input, '--sim', 'calm', '--seed', '3', '--concurrency', '2', '--out', out]);
	await session.waitFor(/line-1 +(▸ running|✓ done)/);
	expect(session.output()).toContain('\x1b[?1049h');
	expect(session.screen()).toContain('pacer · gpt-5.4-mini · simulator calm · seed 3');

	await session.press('p');
	await session.waitFor('‖ paused');

	// Cancel a job that is still queued, then put it back.
	await session.press(KEYS.end);
	await session.waitFor(/^› +30 line-30 +· queued/m);
	await session.press('c');
	await session.waitFor(/^› +30 line-30 +⊘ cancelled/m);
	await session.press('r');
	await session.waitFor(/^› +30 line-30 +· queued/m);

	await session.press('p');
	await session.waitFor('▸ running');
	await session.press(KEYS.home, KEYS.enter);
	await session.waitFor(/^line-1 · line 1 ·/m);
	await session.press(KEYS.escape, 'q');
	await session.waitFor(/quitting: \d in flight finishing|done in/);
	expect(await session.exited).toBe(1);

	// Back on the normal screen, with the summary printed and the cursor shown.
	expect(session.output()).toContain('\x1b[?1049l');
	expect(session.output().lastIndexOf('\x1b[?25h')).toBeGreaterThan(session.output().lastIndexOf('\x1b[?25l'));
	expect(session.screen()).toMatch(/pacer: 30 prompts in [\d.]+s: \d+ succeeded/);
	const lines = records(out);
	expect(lines.map(record => record.id).sort()).toEqual(Array.from({length: 30}, (_, i) => `line-${i + 1}`).sort());
	expect(lines.some(record => record.status === 'skipped')).toBe(true);
}, 60_000);

test('the whole demo batch to the summary, then q exits 0', async () => {
	const input = promptsFile(6);
	const out = path.join(dir, 'results.jsonl');
	session = start(['run', input, '--sim', 'calm', '--seed', '1', '--concurrency', '6', '--out', out], {cols: 100, rows: 30});
	// Six replies at the simulator's real latency: on a loaded machine that can take a while.
	await session.waitFor('✓ done in', 40_000);
	expect(session.screen()).toContain('6 prompts: 6 succeeded, 0 failed');
	await session.press('q');
	expect(await session.exited).toBe(0);
	expect(records(out)).toHaveLength(6);
}, 60_000);

test('Ctrl+C aborts in-flight requests, flushes and exits 130; SIGTERM exits 143', async () => {
	const input = promptsFile(20);
	const out = path.join(dir, 'results.jsonl');
	session = start(['run', input, '--sim', 'calm', '--out', out]);
	await session.waitFor('▸ running');
	await session.press(KEYS.ctrlC);
	expect(await session.exited).toBe(130);
	expect(session.output()).toContain('\x1b[?1049l');
	expect(new Set(records(out).map(record => record.id)).size).toBe(20);
	session.dispose();

	session = start(['run', input, '--sim', 'calm', '--out', out]);
	await session.waitFor('▸ running');
	session.kill('SIGTERM');
	expect(await session.exited).toBe(143);
	expect(session.output()).toContain('\x1b[?1049l');
	expect(records(out)).toHaveLength(20);
}, 60_000);

test('100,000 jobs streaming at concurrency 64: the screen keeps moving, and each j shows the next row selected', async () => {
	// How fast (frames a second, keypress to frame) is `npm run bench`'s business; this pins that it happens.
	session = start(['100000', '', '1'], {cols: 80, rows: 24}, path.join(root, 'test/e2e/dashboardDriver.mjs'));
	const ended = () => Number(session!.screen().match(/(\d[\d,]*)\/100,000 +\d+%/)?.[1]?.replace(/,/g, '') ?? -1);
	await session.waitFor(/line-1 /, 20_000);
	const before = ended();
	await waitUntil(() => ended() > before, `the count of ended jobs to grow past ${before} with no key pressed`, {timeoutMs: 20_000, seen: () => session!.screen()});
	for (let i = 2; i <= 6; i++) {
		await session.press('j');
		await session.waitFor(new RegExp(`^› +${i} line-${i} `, 'm'));
	}
	// q stops dispatching, a second q aborts what is in flight: some jobs did not run, so 1.
	await session.press('q', 'q');
	expect(await session.exited).toBe(1);
}, 60_000);

test('Enter on an ended prompt shows its whole reply, read back from the results file', async () => {
	const input = promptsFile(3);
	const out = path.join(dir, 'results.jsonl');
	session = start(['run', input, '--sim', 'calm', '--seed', '4', '--style', 'long', '--out', out], {cols: 100, rows: 40});
	await session.waitFor('✓ done in', 40_000);
	const reply = records(out).find(record => record.id === 'line-1') as unknown as {output: string};
	// Longer than the start the dashboard keeps of it: the end can only come from the file.
	expect(reply.output.length).toBeGreaterThan(400);
	const lastWord = reply.output.trim().split(/\s+/).at(-1)!;
	await session.press('g');
	await session.press(KEYS.enter);
	await session.waitFor(/output +\S/);
	await waitUntil(() => session!.screen().includes(lastWord) && !session!.screen().includes('reading the reply'), `the reply's last word "${lastWord}" on screen`, {seen: () => session!.screen()});
	await session.press('q');
}, 60_000);
