/**
 * A bug in the engine's worker thread, in a real terminal: the dashboard leaves as for a
 * bug of its own (exit 70, the error on stderr), the terminal restored and what was
 * answered before the crash in the results file.
 */
import {execFileSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeAll, expect, test} from 'vitest';
import {CLI, readRecords, ROOT} from '../helpers/cli.js';
import {startPty, type PtySession} from '../helpers/ptySession.js';

let dir: string;
let session: PtySession | null = null;
beforeAll(() => {
	if (!fs.existsSync(CLI)) execFileSync('npm', ['run', 'build'], {cwd: ROOT, stdio: 'ignore'});
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-pty-crash-'));
}, 120_000);
afterEach(() => {
	session?.dispose();
	session = null;
	fs.rmSync(dir, {recursive: true, force: true});
});

test('a worker that throws ends the dashboard with the bug exit code, the terminal restored, the results flushed', async () => {
	const input = path.join(dir, 'prompts.txt');
	const out = path.join(dir, 'out.jsonl');
	fs.writeFileSync(input, Array.from({length: 200}, (_, i) => `Prompt ${i + 1}: name a colour`).join('\n') + '\n');
	session = startPty([input, out], {cwd: dir, cols: 100, rows: 30, script: path.join(ROOT, 'test/worker/crashingDriver.mjs')});
	await session.waitFor(/line-1 /, 20_000);
	expect(await session.exited).toBe(70);
	expect(session.output()).toContain('a planted bug in the engine worker');
	expect(session.output()).toContain('\x1b[?1049l');
	// What ended before the crash is on disk, each line whole.
	const records = readRecords(out);
	expect(records.length).toBeGreaterThan(0);
	expect(new Set(records.map(record => record.id)).size).toBe(records.length);
}, 60_000);
