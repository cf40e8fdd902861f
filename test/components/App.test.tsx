import {afterEach, expect, test} from 'vitest';
import {App} from '../../src/components/App.js';
import {DashboardSession} from '../../src/components/session.js';
import {systemClock} from '../../src/core/clock.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {engineTicks, KEYS, prompts, renderTerminal, simRun, stopSimRuns, waitUntil, type SimRunOptions, type Terminal} from '../helpers/terminal.js';

let run: PreparedRun | null = null;
let terminal: Terminal | null = null;
afterEach(async () => {
	terminal?.unmount();
	terminal = null;
	await stopSimRuns();
});

/** The App on a fixed-size terminal over a real engine and the simulator, wired to a real session. */
async function dashboard(jobs: number, options: SimRunOptions = {}, size = {columns: 80, rows: 24}) {
	run = await simRun(prompts(jobs), options);
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	terminal = renderTerminal(
		<App view={run.store} controls={run.runner} clock={systemClock} outPath={null} onQuit={() => session.quit()} onInterrupt={() => session.interrupt('ctrl+c')} />,
		size,
	);
	return {run, session, terminal};
}

const selected = (frame: string) => frame.split('\n').find(line => line.startsWith('›'))?.match(/line-\d+/)?.[0];
const job = (id: string) => run!.store.getState().jobs.get(id)!;
/** Waits for the frame that shows `id` selected. */
const showsSelected = (terminal: Terminal, id: string) => terminal.waitFor(frame => selected(frame) === id);

test('↓ j ↑ k move the selection one job', async () => {
	const {terminal} = await dashboard(40);
	await showsSelected(terminal, 'line-1');
	await terminal.press('j', 'j', KEYS.down);
	await showsSelected(terminal, 'line-4');
	await terminal.press('k', KEYS.up);
	await showsSelected(terminal, 'line-2');
	await terminal.press('k', 'k');
	await showsSelected(terminal, 'line-1');
});

test('keys that arrive in one chunk (a held key) each count', async () => {
	const {terminal} = await dashboard(40);
	await terminal.press('jjjj');
	await showsSelected(terminal, 'line-5');
});

test('a chunk that mixes keys and Enter ("jjjj\\r", as tmux or a paste sends it) moves, then opens', async () => {
	const {terminal} = await dashboard(40);
	await terminal.press('jjjj\r');
	await terminal.waitFor(/^line-5 · line 5/m);
});

test('PgDn / PgUp move a page and the view follows the selection', async () => {
	const {terminal} = await dashboard(100);
	await terminal.press(KEYS.pageDown);
	// 80x24: 16 table rows; a page moves the selection 16 jobs and scrolls only as needed.
	const frame = await showsSelected(terminal, 'line-17');
	expect(frame).not.toMatch(/line-1 /);
	expect(frame.split('\n').filter(line => /line-\d+ /.test(line)).at(-1)).toMatch(/^› +17 line-17/);
	await terminal.press(KEYS.pageDown);
	await showsSelected(terminal, 'line-33');
	await terminal.press(KEYS.pageUp);
	expect(await showsSelected(terminal, 'line-17')).toMatch(/^ +18 line-18/m);
});

test('G / End go to the last job, g / Home to the first', async () => {
	const {terminal} = await dashboard(100);
	await terminal.press('G');
	await showsSelected(terminal, 'line-100');
	await terminal.press('g');
	await showsSelected(terminal, 'line-1');
	await terminal.press(KEYS.end);
	await showsSelected(terminal, 'line-100');
	await terminal.press(KEYS.home);
	await showsSelected(terminal, 'line-1');
});

test('Enter opens the selected job and Esc closes it', async () => {
	const {terminal} = await dashboard(5);
	await terminal.press('j', KEYS.enter);
	const pane = await terminal.waitFor(/^line-2 · line 2 · · queued/m);
	expect(pane).toContain('prompt    Prompt number 2: say something short');
	expect(pane).toContain('esc close');
	await terminal.press('j');
	await terminal.waitFor(/^line-3 · line 3/m);
	await terminal.press(KEYS.escape);
	await terminal.waitFor(/^› +3 line-3/m);
});

test('r retries the selected failed job; on a job that did not fail it says why not', async () => {
	const {run, terminal} = await dashboard(3, {sim: {faults: {badRequest: 1}}});
	await run.runner.run();
	await terminal.waitFor('0 succeeded, 3 failed');
	await terminal.press('j', 'r');
	await terminal.waitFor('line-2: queued again');
	await waitUntil(() => job('line-2').attempts === 2 && job('line-2').status === 'failed', 'line-2 to fail a second time');
	expect(job('line-1').attempts).toBe(1);
	await terminal.press('r');
	await waitUntil(() => job('line-2').attempts === 3 && job('line-2').status === 'failed', 'line-2 to fail a third time');
	expect(job('line-1').attempts).toBe(1);
	expect(job('line-3').attempts).toBe(1);
});

test('r on a job still queued does nothing but say so', async () => {
	const {terminal} = await dashboard(3);
	await terminal.press('r');
	await terminal.waitFor('line-1 is queued: only failed, cancelled or skipped jobs can be retried');
});

test('R retries every failed job', async () => {
	const {run, terminal} = await dashboard(4, {sim: {faults: {badRequest: 1}}});
	await run.runner.run();
	await terminal.press('R');
	await terminal.waitFor('4 failed jobs queued again');
	await waitUntil(() => run.store.getState().run.phase === 'done', 'the retried run to end');
	expect([...run.store.getState().jobs.values()].map(j => j.attempts)).toEqual([2, 2, 2, 2]);
});

test('c cancels the selected running job (its request is aborted) and a queued one', async () => {
	const {run, terminal} = await dashboard(6, {latencyScale: 20, concurrency: 1});
	void run.runner.run();
	await terminal.waitFor(/^› +1 line-1 +▸ running/m);
	await terminal.press('c');
	await terminal.waitFor(/line-1 +⊘ cancelled/);
	expect(job('line-1').error?.kind).toBe('cancelled');
	await terminal.press('G', 'c');
	await terminal.waitFor(/line-6 +⊘ cancelled/);
	expect(job('line-6').attempts).toBe(0);
	await terminal.press('c');
	await terminal.waitFor('line-6 has already ended (cancelled)');
});

test('p pauses dispatching and resumes it', async () => {
	const {run, terminal} = await dashboard(20, {latencyScale: 2, concurrency: 2});
	void run.runner.run();
	await terminal.waitFor('▸ running');
	await terminal.press('p');
	await terminal.waitFor('‖ paused');
	expect(run.store.getState().run.phase).toBe('paused');
	await waitUntil(() => run.store.getState().counts.running === 0, 'the requests in flight to finish', {timeoutMs: 8000});
	// From here on, any dispatch is one made while paused.
	let paused = true;
	let sentWhilePaused = 0;
	const unsubscribe = run.store.subscribe(state => {
		if (paused && state.counts.running > 0) sentWhilePaused++;
	});
	const ended = run.store.getState().counts.succeeded;
	await engineTicks(run.store);
	expect(run.store.getState().counts.succeeded).toBe(ended);
	paused = false;
	await terminal.press('p');
	await terminal.waitFor('▸ running  ');
	await waitUntil(() => run.store.getState().counts.running > 0, 'a request sent after resuming');
	unsubscribe();
	expect(sentWhilePaused).toBe(0);
});

test('+ and - change the concurrency', async () => {
	const {run, terminal} = await dashboard(3, {concurrency: 4});
	await terminal.press('+', '+');
	await terminal.waitFor('concurrency 6');
	expect(run.runner.concurrency).toBe(6);
	await terminal.press('-', '-', '-', '-', '-', '-', '-');
	await terminal.waitFor('concurrency 1');
	expect(run.runner.concurrency).toBe(1);
});

test('/ filters by text as you type; Enter keeps the filter, Esc clears it', async () => {
	const {terminal} = await dashboard(30);
	await terminal.press('/', '2', '5');
	const filtered = await terminal.waitFor('/25');
	expect(filtered).toContain('1 of 30');
	expect(filtered).toMatch(/^› +25 line-25/m);
	await terminal.press(KEYS.backspace);
	// "2" is in the id or prompt of line-2, line-12 and line-20 to line-29.
	await terminal.waitFor('12 of 30');
	await terminal.press(KEYS.enter);
	await terminal.waitFor('esc clears');
	// The filter no longer has the keyboard: j moves.
	const before = selected(terminal.frame());
	await terminal.press('j');
	await terminal.waitFor(frame => selected(frame) !== before && frame.includes('esc clears'));
	await terminal.press(KEYS.escape);
	await terminal.waitFor(frame => !frame.includes('of 30') && frame.includes('line-1 '));
});

test('f cycles the status filter', async () => {
	const {run, terminal} = await dashboard(8, {seed: 3, sim: {faults: {badRequest: 0.4}}});
	await run.runner.run();
	const failed = run.store.getState().counts.failed;
	expect(failed).toBeGreaterThan(0);
	await terminal.press('f');
	await terminal.waitFor('status running  0 of 8');
	await terminal.press('f', 'f');
	const rows = (await terminal.waitFor(`status failed  ${failed} of 8`)).split('\n').filter(line => /line-\d+ /.test(line));
	expect(rows).toHaveLength(failed);
	for (const row of rows) expect(row).toContain('✗ bad_request 400');
	for (let i = 0; i < 5; i++) await terminal.press('f');
	await terminal.waitFor(frame => !frame.includes('/status') && frame.includes('line-8'));
});

test('? shows the help from the keymap; ? or Esc closes it', async () => {
	const {terminal} = await dashboard(3);
	await terminal.press('?');
	expect(await terminal.waitFor('Keys (Esc or ? closes)')).toContain('retry every failed job');
	await terminal.press('?');
	await terminal.waitFor(frame => !frame.includes('Keys (') && frame.includes('line-1'));
	await terminal.press('?', KEYS.escape);
	await terminal.waitFor(frame => !frame.includes('Keys (') && frame.includes('line-1'));
});

test('q stops dispatching and lets in-flight requests finish; a second q aborts them', async () => {
	const {run, session, terminal} = await dashboard(10, {latencyScale: 20, concurrency: 2});
	void session.start();
	await terminal.waitFor('▸ running');
	await terminal.press('q');
	await terminal.waitFor('quitting: 2 in flight finishing · q again or Ctrl+C aborts them');
	expect(run.store.getState().counts.skipped).toBe(8);
	await terminal.press('q');
	await terminal.waitFor('aborting in-flight');
	expect(await session.exited).toBe(1);
	expect(run.store.getState().counts.cancelled).toBe(2);
});

test('q on a finished run leaves with its exit code', async () => {
	const {session, terminal} = await dashboard(3);
	session.start();
	await terminal.waitFor('✓ done in');
	await terminal.press('q');
	expect(await session.exited).toBe(0);
});

test('Ctrl+C aborts in-flight requests and leaves with 130', async () => {
	const {run, session, terminal} = await dashboard(6, {latencyScale: 20});
	session.start();
	await terminal.waitFor('▸ running');
	await terminal.press(KEYS.ctrlC);
	expect(await session.exited).toBe(130);
	expect(run.store.getState().counts.running).toBe(0);
});

test('the screen fits 80x24 and 160x48, one row short of the terminal, and follows a resize', async () => {
	const {run, terminal} = await dashboard(200, {seed: 2, sim: {faults: {badRequest: 0.2}}});
	void run.runner.run();
	const fits = (columns: number, rows: number) => (frame: string) => {
		const lines = frame.split('\n');
		return lines.length === rows - 1 && lines.every(line => [...line].length <= columns);
	};
	await terminal.waitFor(fits(80, 24));
	terminal.resize(160, 48);
	expect((await terminal.waitFor(fits(160, 48))).split('\n').filter(line => /line-\d+ /.test(line))).toHaveLength(48 - 1 - 7);
	terminal.resize(60, 12);
	await terminal.waitFor(fits(60, 12));
	await terminal.press(KEYS.enter);
	await terminal.waitFor(fits(60, 12));
	await terminal.press(KEYS.escape, '?');
	await terminal.waitFor(fits(60, 12));
});
