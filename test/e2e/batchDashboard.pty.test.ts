/**
 * The dashboard of a `--batch-api` run in a real pseudo-terminal: the batches' rows move
 * on as the runner reports them, X cancels the batch at the cursor, q detaches.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeAll, expect, test} from 'vitest';
import {startPty, type PtySession} from '../helpers/ptySession.js';

const root = path.resolve(import.meta.dirname, '../..');
const driver = path.join(root, 'test/e2e/batchDashboardDriver.mjs');

beforeAll(() => {
	if (!existsSync(path.join(root, 'dist/components/runDashboard.js'))) execFileSync('npm', ['run', 'build'], {cwd: root, stdio: 'ignore'});
}, 120_000);

let dir = '';
let session: PtySession | null = null;
afterEach(() => {
	session?.dispose();
	session = null;
	if (dir) rmSync(dir, {recursive: true, force: true});
	dir = '';
});

const calls = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(line => JSON.parse(line)) : []);

test('a batch run at 80x24: rows move on, X cancels the batch at the cursor, q detaches and says how to come back', async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-batch-pty-'));
	const file = path.join(dir, 'calls.jsonl');
	session = startPty([file], {cols: 80, rows: 24, cwd: dir, script: driver});

	await session.waitFor(/^batches · \d+\/12 requests · 0\/3 parts done/m);
	await session.waitFor('[] batch  X cancel batch  q detach (batches go on; --resume re-attaches)');
	// The runner's updates reach the screen: part 1 ends, part 3 goes up and is created.
	await session.waitFor(/^› 1\/3 lines 1–4 +completed +4✓ 0✗ of 4 \d\d:\d\d batch_1+$/m);
	await session.waitFor(/^ {2}3\/3 lines 9–12 +in progress .* batch_3/m);
	expect(session.screen()).toMatch(/· 1\/3 parts done/);

	// The cursor starts on part 1, which has ended: the key says so and asks nothing.
	await session.press('X');
	await session.waitFor('part 1/3: its batch has already ended (completed)');
	expect(calls(file)).toEqual([]);

	await session.press(']');
	await session.waitFor(/^› 2\/3 /m);
	await session.press('X');
	await session.waitFor(`part 2/3: cancelling batch_${'2'.repeat(24)}`);
	// At 80 columns the id gives way to the note, which is cut to fit.
	await session.waitFor(/^› 2\/3 lines 5–8 +cancelled +\d✓ 0✗ of 4 \d\d:\d\d batch_2…2222 cancelled with \d of /m);
	expect(session.screen()).toMatch(/· 2\/3 parts done/);
	expect(calls(file)).toEqual([{call: 'cancelBatch', batchId: `batch_${'2'.repeat(24)}`}]);

	await session.press('q');
	await session.exited;
	expect(calls(file)).toEqual([
		{call: 'cancelBatch', batchId: `batch_${'2'.repeat(24)}`},
		{call: 'detach', phase: 'running'},
	]);
	// Back on the normal screen, with what is still going on at the provider.
	expect(session.output()).toContain('\x1b[?1049l');
	await session.waitFor('pacer: detached; 1 batch goes on at the provider; --resume re-attaches');
}, 60_000);
