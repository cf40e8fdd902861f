import {afterEach, expect, test} from 'vitest';
import {DashboardSession} from '../../src/components/session.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {prompts, simRun, stopSimRuns, waitUntil} from '../helpers/terminal.js';

let run: PreparedRun | null = null;
afterEach(stopSimRuns);

test('with exitWhenDone the session ends with the run: 0 when every prompt succeeded', async () => {
	run = await simRun(prompts(4));
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: true});
	session.start();
	expect(await session.exited).toBe(0);
});

test('1 when some prompt failed', async () => {
	run = await simRun(prompts(2), {sim: {faults: {badRequest: 1}}});
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: true});
	session.start();
	expect(await session.exited).toBe(1);
});

test('without exitWhenDone a finished run waits for q', async () => {
	run = await simRun(prompts(2));
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	let code: number | null = null;
	void session.exited.then(c => (code = c));
	session.start();
	// A session that does leave when done, started after it on the same run: once it has
	// left, the first has heard of the end too (its callbacks run first) and must still wait.
	const leaving = new DashboardSession(run.runner, run.store, {exitWhenDone: true});
	leaving.start();
	expect(await leaving.exited).toBe(0);
	expect(code).toBeNull();
	expect(session.quit()).toBe('leaving');
	expect(await session.exited).toBe(0);
});

test('SIGTERM aborts in-flight requests and exits 143; SIGHUP 129', async () => {
	for (const [signal, expected] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
		run = await simRun(prompts(5), {latencyScale: 20});
		const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
		session.start();
		await waitUntil(() => run!.store.getState().counts.running > 0, 'a request in flight');
		session.interrupt(signal);
		expect(await session.exited).toBe(expected);
		expect(run.store.getState().counts).toMatchObject({running: 0, queued: 0});
		await run.finish();
		run = null;
	}
});

test('Ctrl+C after the run ended leaves with the run exit code, not 130', async () => {
	run = await simRun(prompts(2));
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	session.start();
	await run.runner.whenDone();
	session.interrupt('ctrl+c');
	expect(await session.exited).toBe(0);
});

test('detach (q in a batch run) tells the run once and leaves at once, without stopping the runner', async () => {
	run = await simRun(prompts(3), {latencyScale: 5, concurrency: 1});
	const session = new DashboardSession(run.runner, run.store, {exitWhenDone: false});
	session.start();
	await waitUntil(() => run!.store.getState().counts.running > 0, 'a request in flight');
	let detached = 0;
	session.detach(() => detached++);
	await session.exited;
	session.detach(() => detached++);
	expect(detached).toBe(1);
	expect(session.detached).toBe(true);
	// Nothing asked the runner to stop: its request is still in flight.
	expect(run.store.getState().run.phase).toBe('running');
	expect(run.store.getState().counts.running).toBe(1);
});
