/**
 * The dashboard's first frame, as a person sees it: the built CLI against a simulator by
 * --base-url (the real-use path), in a real pseudo-terminal. The first frame is drawn
 * before the run is prepared; it must already show the input's jobs, queued, and the run
 * must then go on as ever. Nothing here is timed.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import {afterAll, afterEach, beforeAll, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startPty, type PtySession} from '../helpers/ptySession.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const COLS = 100;
const ROWS = 30;
/** Ink wraps each frame in a synchronized update. */
const FRAME_END = '\x1b[?2026l';

let sim: Simulator;
beforeAll(async () => {
	if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
	sim = await startSimulator({profile: 'calm', seed: 5, port: 0});
}, 120_000);
afterAll(async () => {
	await sim?.close();
});

let dir = '';
let session: PtySession | null = null;
afterEach(() => {
	session?.dispose();
	session = null;
	if (dir) rmSync(dir, {recursive: true, force: true});
	dir = '';
});

function promptsFile(n: number): string {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-first-frame-'));
	const file = path.join(dir, 'prompts.txt');
	writeFileSync(file, Array.from({length: n}, (_, i) => `Prompt ${i + 1}: name a colour`).join('\n') + '\n');
	return file;
}

/** The screen after the first frame that shows `text`, replayed into a terminal of its own. */
async function firstFrameWith(output: string, text: string): Promise<string> {
	const at = output.indexOf(text);
	expect(at, `no frame shows ${text}`).toBeGreaterThan(-1);
	const end = output.indexOf(FRAME_END, at);
	const frames = end === -1 ? output : output.slice(0, end + FRAME_END.length);
	const term = new xterm.Terminal({cols: COLS, rows: ROWS, allowProposedApi: true});
	try {
		await new Promise<void>(resolve => term.write(frames, resolve));
		const buffer = term.buffer.active;
		return Array.from({length: ROWS}, (_, i) => buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '').join('\n');
	} finally {
		term.dispose();
	}
}

function start(input: string, out: string, extra: string[] = []): PtySession {
	return startPty(['run', input, '--out', out, '--base-url', sim.url, '--concurrency', '2', ...extra], {
		cols: COLS,
		rows: ROWS,
		cwd: dir,
		env: {OPENAI_API_KEY: 'fake-key-first-frame'},
	});
}

test('the first frame shows the header and the input jobs queued; then the run goes on and every id is in the results once', async () => {
	const input = promptsFile(40);
	const out = path.join(dir, 'results.jsonl');
	session = start(input, out);
	await session.waitFor(/line-1 /);
	const first = await firstFrameWith(session.output(), 'line-1 ');
	expect(first).toContain(`pacer · gpt-5.4-mini · ${new URL(sim.url).host}`);
	const rows = first.split('\n').filter(line => /^. +\d+ line-\d+ /.test(line));
	// As many rows as fit, from the first, each queued: nothing has been sent yet.
	expect(rows.length).toBeGreaterThan(10);
	rows.forEach((row, i) => expect(row).toMatch(new RegExp(`^. +${i + 1} line-${i + 1} +· queued`)));
	expect(first).not.toContain('pacer:');

	await session.waitFor(/done in/, 60_000);
	await session.press('q');
	expect(await session.exited).toBe(0);
	expect(session.screen()).toMatch(/pacer: 40 prompts in [\d.]+s: 40 succeeded/);
	const ids = readFileSync(out, 'utf8').trim().split('\n').map(line => (JSON.parse(line) as {id: string}).id);
	expect(ids.sort()).toEqual(Array.from({length: 40}, (_, i) => `line-${i + 1}`).sort());
}, 90_000);

test('p pressed on the first frame pauses the run, however soon it comes; p again lets it finish', async () => {
	const input = promptsFile(30);
	const out = path.join(dir, 'results.jsonl');
	session = start(input, out);
	await session.waitFor(/line-1 /);
	await session.press('p');
	await session.waitFor('‖ paused');
	await session.press('p');
	await session.waitFor(/done in/, 60_000);
	await session.press('q');
	expect(await session.exited).toBe(0);
	expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(30);
}, 90_000);

test('a run that cannot be prepared after the first frame: the terminal is given back, the reason printed, exit 2', async () => {
	const input = promptsFile(5);
	session = start(input, path.join(dir, 'missing', 'folder', 'results.jsonl'));
	expect(await session.exited).toBe(2);
	// Off the alternate screen, cursor shown, the reason on the normal screen.
	expect(session.output()).toContain('\x1b[?1049l');
	expect(session.output().lastIndexOf('\x1b[?25h')).toBeGreaterThan(session.output().lastIndexOf('\x1b[?25l'));
	await session.waitFor(/missing[\\/]folder.*does not exist or is not writable/);
}, 60_000);
