/**
 * The dashboard's concurrency keys over a real engine and the simulator: + and - fix a
 * ceiling from the value in force, `a` hands it back to auto, and the meters say which.
 */
import {afterEach, expect, test} from 'vitest';
import {App} from '../../src/components/App.js';
import {DashboardSession} from '../../src/components/session.js';
import {systemClock} from '../../src/core/clock.js';
import {prompts, renderTerminal, simRun, stopSimRuns, type SimRunOptions, type Terminal} from '../helpers/terminal.js';

let terminal: Terminal | null = null;
afterEach(async () => {
	terminal?.unmount();
	terminal = null;
	await stopSimRuns();
});

/** The meters' line (not a notice that names the concurrency too). */
const meters = (what: string) => new RegExp(`tpm [^·]+ · concurrency ${what} · 429s`);

async function dashboard(options: SimRunOptions) {
	// Slow replies, so the run is still going while the keys are pressed.
	const run = await simRun(prompts(40), {latencyScale: 20, ...options});
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	terminal = renderTerminal(
		<App view={run.store} controls={run.runner} clock={systemClock} outPath={null} onQuit={() => session.quit()} onInterrupt={() => session.interrupt('ctrl+c')} />,
		{columns: 80, rows: 24},
	);
	return {run, terminal};
}

test('the meters show auto by default; + fixes a ceiling one above it, a returns to auto', async () => {
	const {run, terminal} = await dashboard({maxConcurrency: 12});
	await terminal.waitFor(meters('4 auto'));
	await terminal.press('+');
	await terminal.waitFor(meters('5 fixed'));
	expect(terminal.frame()).toContain('at most 5 in flight (a: back to auto)');
	expect(run.runner.concurrencyMode).toBe('fixed');
	expect(run.runner.concurrency).toBe(5);
	await terminal.press('a');
	await terminal.waitFor('concurrency auto: adapts between 1 and 12');
	expect(run.runner.concurrencyMode).toBe('auto');
	expect(run.store.getState().rate.concurrencyMode).toBe('auto');
	expect(terminal.frame()).toMatch(meters('\\d+ auto'));
});

test('from a fixed --concurrency, - lowers the ceiling and never below 1', async () => {
	const {run, terminal} = await dashboard({concurrency: 2});
	await terminal.waitFor(meters('2 fixed'));
	await terminal.press('-', '-', '-');
	await terminal.waitFor(meters('1 fixed'));
	expect(run.runner.concurrency).toBe(1);
	expect(run.runner.concurrencyMode).toBe('fixed');
});

test('a runner that cannot change its concurrency says so, and the key changes nothing', async () => {
	const run = await simRun(prompts(40), {latencyScale: 20, concurrency: 3});
	const asked: Array<number | 'auto'> = [];
	// The controls of a runner like the Batch API's: jobs and pause, no concurrency.
	const controls = Object.assign(Object.create(run.runner) as typeof run.runner, {
		supports: {jobs: true, pause: true, concurrency: false},
		setConcurrency: (n: number | 'auto') => void asked.push(n),
	});
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	terminal = renderTerminal(
		<App view={run.store} controls={controls} clock={systemClock} outPath={null} onQuit={() => session.quit()} onInterrupt={() => session.interrupt('ctrl+c')} />,
		{columns: 80, rows: 24},
	);
	await terminal.waitFor(meters('3 fixed'));
	await terminal.press('+');
	await terminal.waitFor('changing the concurrency is not something this run can do');
	expect(asked).toEqual([]);
	expect(run.runner.concurrency).toBe(3);
	expect(terminal.frame()).toMatch(meters('3 fixed'));
});
