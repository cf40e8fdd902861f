/**
 * The dashboard when `--out` fills, in a real terminal: the header says the run is on
 * hold and a one-line banner says why, where, and that it goes on by itself; when there
 * is room again it says so and the run finishes. Where the test may not mount a small
 * disk, files are capped instead (room never comes back): then q saves to a fallback file.
 */
import {execFileSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, expect, test} from 'vitest';
import {CLI, readRecords, ROOT} from '../helpers/cli.js';
import {startPty, type PtySession} from '../helpers/ptySession.js';
import {openSmallDisk, type SmallDisk} from '../helpers/smallDisk.js';

let disk: SmallDisk;
let work: string;
let tmp: string;
let session: PtySession | null = null;
beforeAll(() => {
	if (!fs.existsSync(CLI)) execFileSync('npm', ['run', 'build'], {cwd: ROOT, stdio: 'ignore'});
	disk = openSmallDisk();
}, 120_000);
afterAll(() => disk.close());
beforeEach(() => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-pty-disk-'));
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-tmpdir-'));
});
afterEach(() => {
	session?.dispose();
	session = null;
	disk.makeRoom();
	for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {force: true});
	fs.rmSync(work, {recursive: true, force: true});
	fs.rmSync(tmp, {recursive: true, force: true});
});

test('on hold: the banner says why and where; room again: it says the run goes on, and the run finishes', async () => {
	const n = 30;
	const input = path.join(work, 'prompts.txt');
	fs.writeFileSync(input, Array.from({length: n}, (_, i) => `Prompt ${i + 1}: name a colour`).join('\n') + '\n');
	const tmpfs = disk.kind === 'tmpfs';
	const out = path.join(tmpfs ? disk.dir : work, 'out.jsonl');
	if (tmpfs) disk.fill(3 * 4096);
	session = startPty(['run', input, '--sim', 'calm', '--seed', '3', '--concurrency', '4', '--max-output-tokens', '32', '--out', out], {
		cwd: work,
		env: {TMPDIR: tmp},
		fileSizeLimit: tmpfs ? undefined : 8192,
		cols: 200,
	});
	await session.waitFor(/⚠ on hold: \S+out\.jsonl: (no space left on the device \(ENOSPC|the file is too large).* result\(s\) kept in memory · goes on by itself when there is room/, 30_000);
	expect(session.screen()).toMatch(/‖ on hold +\d\d:\d\d/);

	if (tmpfs) {
		disk.makeRoom();
		await session.waitFor(/✓ going on: .*out\.jsonl takes results again · wrote the \d+ held/, 15_000);
		await session.waitFor('✓ done in', 30_000);
		await session.press('q');
		expect(await session.exited).toBe(0);
		const records = readRecords(out);
		expect(records.map(r => r.id).sort()).toEqual(Array.from({length: n}, (_, i) => `line-${i + 1}`).sort());
	} else {
		await session.press('q');
		expect(await session.exited).toBe(75);
		expect(session.output()).toMatch(/saved them to \S+fallback\.jsonl/);
	}
	// The terminal is given back either way.
	expect(session.output()).toContain('\x1b[?1049l');
}, 90_000);
