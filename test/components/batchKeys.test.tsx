import {afterEach, expect, test} from 'vitest';
import type {BatchControls, BatchRow} from '../../src/batch/batchRow.js';
import {App} from '../../src/components/App.js';
import {DashboardSession} from '../../src/components/session.js';
import {systemClock} from '../../src/core/clock.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {prompts, renderTerminal, simRun, stopSimRuns, waitUntil, type Terminal} from '../helpers/terminal.js';

let terminal: Terminal | null = null;
afterEach(async () => {
	terminal?.unmount();
	terminal = null;
	await stopSimRuns();
});

const NOW = systemClock.now();

function part(n: number, fields: Partial<BatchRow> = {}): BatchRow {
	return {
		part: n,
		parts: 3,
		firstLine: (n - 1) * 2 + 1,
		lastLine: n * 2,
		requests: 2,
		fileId: `file-${n}`,
		batchId: `batch_${String(n).repeat(24)}`,
		status: 'in_progress',
		completed: 0,
		failed: 0,
		createdAt: NOW - 5000,
		endedAt: null,
		note: null,
		...fields,
	};
}

const PARTS = [part(1, {status: 'completed', completed: 2, endedAt: NOW}), part(2, {completed: 1}), part(3, {status: 'uploading', batchId: null, fileId: null, createdAt: null})];

/** Records what the dashboard asks of the batches; a plain object, as a batch runner would offer. */
function recordingControls(): BatchControls & {calls: string[]} {
	const calls: string[] = [];
	return {calls, cancelBatch: id => void calls.push(`cancel ${id}`), detach: () => void calls.push('detach')};
}

/** The App over a real engine (its jobs not started) whose store also holds batches, wired to a real session. */
async function dashboard(options: {batch: boolean; columns?: number}) {
	const run: PreparedRun = await simRun(prompts(6));
	run.store.getState().setBatches(PARTS);
	const controls = recordingControls();
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	terminal = renderTerminal(
		<App
			view={run.store}
			controls={run.runner}
			clock={systemClock}
			outPath={null}
			onQuit={() => session.quit()}
			onInterrupt={() => session.interrupt('ctrl+c')}
			batchControls={options.batch ? controls : undefined}
			onDetach={options.batch ? () => session.detach(() => controls.detach()) : undefined}
		/>,
		{columns: options.columns ?? 80, rows: 24},
	);
	return {run, session, controls, terminal};
}

test('a batch run at 80x24: the panel under the meters, the batch keys and q as detach in the footer', async () => {
	const {terminal} = await dashboard({batch: true});
	const frame = await terminal.waitFor('batches · 3/6 requests · 1/3 parts done');
	const lines = frame.split('\n');
	const top = lines.findIndex(line => line.startsWith('batches'));
	expect(lines[top + 1]).toMatch(/^› 1\/3 lines 1–2 +completed +2✓ 0✗ of 2 00:05 batch_1/);
	expect(lines[top + 2]).toMatch(/^ {2}2\/3 lines 3–4 +in progress +1✓ 0✗ of 2 \d\d:\d\d batch_2/);
	expect(lines[top + 3]).toMatch(/^ {2}3\/3 lines 5–6 +uploading +0✓ 0✗ of 2 +–$/);
	// The job table keeps its place beneath.
	expect(lines[top + 4]).toMatch(/^ +# id/);
	expect(lines.at(-1)).toContain('X cancel batch');
	expect(lines.at(-1)).toContain('q detach (batches go on; --resume re-attaches)');
	for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
});

test('X cancels the batch at the cursor, ] and [ move it; an ended batch or one not created yet is refused', async () => {
	const {controls, terminal, run} = await dashboard({batch: true, columns: 120});
	await terminal.press('X');
	await terminal.waitFor('part 1/3: its batch has already ended (completed)');
	expect(controls.calls).toEqual([]);
	await terminal.press(']');
	await terminal.waitFor(/^› 2\/3 /m);
	await terminal.press('X');
	await terminal.waitFor(`part 2/3: cancelling ${PARTS[1]!.batchId} (its finished lines are kept)`);
	expect(controls.calls).toEqual([`cancel ${PARTS[1]!.batchId}`]);
	await terminal.press(']', ']');
	await terminal.waitFor(/^› 3\/3 /m);
	await terminal.press('X');
	await terminal.waitFor('part 3/3 has no batch to cancel yet (uploading)');
	// The runner moves on: part 2 is cancelling, and the key says so instead of asking again.
	run.store.getState().setBatches([PARTS[0]!, part(2, {status: 'cancelling'}), PARTS[2]!]);
	await terminal.waitFor(/^ {2}2\/3 lines 3–4 +cancelling/m);
	await terminal.press('[', 'X');
	await terminal.waitFor('part 2/3: its batch is already being cancelled');
	expect(controls.calls).toEqual([`cancel ${PARTS[1]!.batchId}`]);
});

test('q detaches: the controls are told, the dashboard leaves, and the run is not stopped', async () => {
	const {controls, session, terminal, run} = await dashboard({batch: true});
	await terminal.waitFor('batches ·');
	await terminal.press('q');
	await session.exited;
	expect(controls.calls).toEqual(['detach']);
	expect(session.detached).toBe(true);
	expect(run.store.getState().run.phase).not.toBe('stopping');
});

test('once a batch run is over, q leaves as in any run and its footer says quit', async () => {
	const {controls, session, terminal, run} = await dashboard({batch: true});
	await run.runner.run();
	const frame = await terminal.waitFor(/done in/);
	expect(frame.split('\n').at(-1)).toContain('q quit');
	expect(frame).not.toContain('detach');
	await terminal.press('q');
	await session.exited;
	expect(controls.calls).toEqual([]);
	expect(session.detached).toBe(false);
});

test('a live run: no batch hints, q is quit, and the batch keys are refused with a notice', async () => {
	const {session, terminal} = await dashboard({batch: false});
	const frame = await terminal.waitFor('q quit');
	expect(frame).not.toContain('detach');
	expect(frame).not.toContain('cancel batch');
	await terminal.press('X');
	await terminal.waitFor('cancelling a batch: only a --batch-api run has batches');
	await terminal.press(']');
	await terminal.waitFor('moving the batch cursor: only a --batch-api run has batches');
	await terminal.press('q');
	await terminal.waitFor(/quitting: \d in flight finishing/);
	await session.exited;
	expect(session.detached).toBe(false);
});
