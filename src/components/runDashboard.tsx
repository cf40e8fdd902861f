/**
 * The dashboard's entry point: draws the App on the alternate screen, starts the run,
 * routes `q`, Ctrl+C and signals to the session, flushes the results and restores the
 * terminal on every exit path.
 */
import {EXIT, SIGNAL_EXIT} from '../exitCodes.js';
import {render} from 'ink';
import type {BatchControls} from '../batch/batchRow.js';
import type {CastWriter} from '../core/cast.js';
import {systemClock} from '../core/clock.js';
import {redactSecrets} from '../core/secrets.js';
import type {Clock} from '../core/types.js';
import {fallbackReport, formatSummary} from '../headless.js';
import type {RunControls} from '../core/controls.js';
import type {RunSummary} from '../core/ledger.js';
import type {PreparedRun} from '../runBatch.js';
import type {RunStore} from '../store/runStore.js';
import {App} from './App.js';
import type {QuitStep} from './commands.js';
import {batchEnded} from './batchView.js';
import {TerminalScreen} from './screen.js';
import {deferredControls, previewStore, type RunPreview} from './previewRun.js';
import {DashboardSession, type Interruption, type SessionRunner} from './session.js';
import {themeFor, ThemeContext} from './theme.js';
import {throttleStore} from './throttledStore.js';

export interface DashboardOptions {
	/** Leave as soon as the run ends instead of waiting for `q`. */
	readonly exitWhenDone: boolean;
	/**
	 * Record everything the dashboard draws (and every resize) into this asciicast, from
	 * the first frame to the last; closed on every exit path. @default undefined (none)
	 */
	readonly record?: CastWriter;
	/** Time for countdowns and elapsed time. @default systemClock */
	readonly clock?: Clock;
	/** False for NO_COLOR: no colours, glyphs and inverse only. @default true */
	readonly colour?: boolean;
	/** @default process.stdout */
	readonly stdout?: NodeJS.WriteStream;
	/** @default process.stdin */
	readonly stdin?: NodeJS.ReadStream;
}

/**
 * Store changes reach React at most 15 times a second, and the countdown clock rides on
 * the same updates: that is what caps the frame rate (measured: 14-15 fps) however fast
 * the engine writes. Ink's own cap is a safety net above it, for keypresses: at 15 it
 * would hold a keypress's frame back by up to 67 ms behind the last store-driven frame
 * (measured at 100,000 jobs: keypress-to-frame p50 89 ms with Ink at 15, 15 ms at 30).
 */
const STORE_UPDATES_PER_SECOND = 15;
const INK_MAX_FPS = 30;
const STORE_THROTTLE_MS = Math.ceil(1000 / STORE_UPDATES_PER_SECOND);
/** The exit code of a bug, as the CLI uses it. */
/** After a signal the process is gone by then, whatever the requests or the disk do. */
const SIGNAL_DEADLINE_MS = 4500;

/**
 * What the dashboard holds of a run: a prepared run of this thread, or one whose engine
 * is in a worker (src/worker/remoteRun.ts). A `--batch-api` run's own controls (cancel a
 * batch, detach) are its `batch`.
 */
export interface DashboardRun extends Pick<PreparedRun, 'batch' | 'store' | 'outPath' | 'alreadyDone' | 'endpointLabel' | 'fallback' | 'compactError'> {
	readonly runner: SessionRunner & RunControls;
	finish(): Promise<RunSummary>;
	/** Close the results at once; a run in a worker answers asynchronously. */
	finishNow(): RunSummary | Promise<RunSummary>;
	/** Rejects when the run's thread hits a bug: the dashboard leaves as for one of its own. */
	readonly failed?: Promise<never>;
}

/**
 * A live run not prepared yet: the dashboard draws `preview` (its jobs, queued) at once,
 * then `prepare`s the run and swaps it in. Keys pressed meanwhile act once it is ready.
 */
export interface PendingRun {
	readonly preview: RunPreview;
	/** `store` is the preview's: a run may take it over (its rows are the run's jobs) or bring its own. */
	readonly prepare: (store: RunStore) => Promise<DashboardRun>;
}

/**
 * Run `run` under the dashboard; resolves with the exit code once the terminal is restored.
 * A pending run that fails to prepare rejects with its error, the terminal restored.
 */
export async function runDashboard(source: DashboardRun | PendingRun, options: DashboardOptions): Promise<number> {
	const stdout = options.stdout ?? process.stdout;
	const stdin = options.stdin ?? process.stdin;
	const screen = new TerminalScreen(stdout);
	const pending = 'prepare' in source ? source : null;
	let run: DashboardRun | null = pending ? null : (source as DashboardRun);
	const preview = pending ? previewStore(pending.preview) : null;
	let view = throttleStore(run?.store ?? preview!, STORE_THROTTLE_MS);
	let session: DashboardSession | null = null;
	// What q, Ctrl+C and signals asked for before the session exists: done once it starts.
	const early: Array<(session: DashboardSession) => void> = [];
	const controls = run ? null : deferredControls();

	// The terminal back, then the records saved where they can go, whatever else is stuck.
	let leaving = false;
	const leaveNow = (code: number) => {
		screen.restore();
		if (!run) process.exit(code);
		if (leaving) return;
		leaving = true;
		const closing = run;
		const report = () => {
			const saved = fallbackReport(closing);
			for (const line of saved.lines) process.stderr.write(`${line}\n`);
			process.exit(saved.exitCode ?? code);
		};
		const closed = closing.finishNow();
		if (closed instanceof Promise) closed.then(report, report);
		else report();
	};
	let deadline: NodeJS.Timeout | null = null;
	const onSignal = (signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => {
		deadline ??= setTimeout(() => leaveNow(SIGNAL_EXIT[signal]), SIGNAL_DEADLINE_MS);
		deadline.unref();
		if (session) session.interrupt(signal);
		else early.push(s => s.interrupt(signal));
	};
	const onSigint = () => onSignal('SIGINT');
	const onSigterm = () => onSignal('SIGTERM');
	const onSighup = () => onSignal('SIGHUP');
	const restore = () => screen.restore();
	// A bug must not leave the terminal on the alternate screen with no cursor.
	const onFatal = (error: unknown) => {
		process.stderr.write(`pacer: unexpected error in the dashboard (a bug in pacer): ${redactSecrets(String((error as Error)?.stack ?? error))}\n`);
		leaveNow(EXIT.unexpected);
	};
	// Every way out restores the terminal; the same table subscribes and unsubscribes.
	const handlers: Array<[string, (...args: any[]) => void]> = [
		['SIGINT', onSigint],
		['SIGTERM', onSigterm],
		['SIGHUP', onSighup],
		['exit', restore],
		['uncaughtException', onFatal],
		['unhandledRejection', onFatal],
	];
	for (const [event, handler] of handlers) process.on(event, handler);

	// Listening before anything is drawn, so the first frame is in it; the writer appends
	// synchronously, so a crash still leaves a playable file.
	const cast = options.record ?? null;
	const stopRecording = cast ? recordInto(cast, screen, stdout) : () => {};
	process.on('exit', stopRecording);

	const onQuit = (): QuitStep => {
		if (session) return session.quit();
		early.push(s => s.quit());
		// As the session will answer: the first q finishes what is in flight (nothing yet), the next aborts.
		return early.length === 1 ? 'finishing' : 'aborting';
	};
	const onInterrupt = () => {
		if (session) session.interrupt('ctrl+c' satisfies Interruption);
		else early.push(s => s.interrupt('ctrl+c'));
	};
	const app = () => {
		const batchControls: BatchControls | undefined = run?.batch;
		return (
			<ThemeContext.Provider value={themeFor(options.colour ?? true)}>
				<App
					view={view}
					controls={run?.runner ?? controls!}
					clock={options.clock ?? systemClock}
					outPath={run?.outPath ?? null}
					onQuit={onQuit}
					onInterrupt={onInterrupt}
					batchControls={batchControls}
					onDetach={batchControls ? () => session?.detach(() => batchControls.detach()) : undefined}
				/>
			</ThemeContext.Provider>
		);
	};

	screen.enter();
	const instance = render(app(), {stdout: screen.stream, stdin, stderr: process.stderr, maxFps: INK_MAX_FPS, exitOnCtrlC: false, patchConsole: false});
	// Ink ends on its own only when a component throws.
	const crashed = instance.waitUntilExit().then(() => new Promise<never>(() => {}));

	try {
		if (!run) {
			// The first frame is on its way: let Ink write it before the CPU goes to preparing the run.
			await new Promise(resolve => setImmediate(resolve));
			run = await Promise.race([pending!.prepare(preview!), crashed]);
			if (run.store !== preview) {
				const shown = view;
				view = throttleStore(run.store, STORE_THROTTLE_MS);
				instance.rerender(app());
				shown.dispose();
			} else instance.rerender(app());
			controls!.attach(run.runner);
		}
		run.failed?.catch(onFatal);
		session = new DashboardSession(run.runner, run.store, {exitWhenDone: options.exitWhenDone});
		session.start();
		for (const act of early.splice(0)) act(session);
		const code = await Promise.race([session.exited, crashed]);
		const summary = await run.finish();
		// Draw the run's last state before leaving (with --exit-when-done it may not be on
		// screen yet): let React commit it, then unmount, which writes Ink's pending frame at
		// once. A recording thus ends on the final screen.
		view.flush();
		await new Promise(resolve => setImmediate(resolve));
		instance.unmount();
		stopRecording();
		screen.restore();
		stdout.write(`${formatSummary(summary, {outPath: run.outPath, alreadyDone: run.alreadyDone})}\n`);
		if (session.detached) stdout.write(`${detachedLine(run)}\n`);
		if (cast?.failure) process.stderr.write(`pacer: ${cast.failure}\n`);
		else if (cast) stdout.write(`pacer: recorded the dashboard to ${cast.path}\n`);
		const saved = fallbackReport(run);
		for (const line of saved.lines) process.stderr.write(`${line}\n`);
		return saved.exitCode ?? code;
	} catch (error) {
		if (run) {
			const failed = run;
			await failed.runner.stop({abort: true, reason: 'the dashboard failed'}).catch(() => {});
			await failed.finish().catch(() => {});
		}
		throw error;
	} finally {
		if (deadline) clearTimeout(deadline);
		stopRecording();
		process.off('exit', stopRecording);
		instance.unmount();
		view.dispose();
		screen.restore();
		for (const [event, handler] of handlers) process.off(event, handler);
	}
}

/** What `q` left behind in a `--batch-api` run, and how to come back to it. */
export function detachedLine(run: Pick<PreparedRun, 'store' | 'endpointLabel'>): string {
	const going = (run.store.getState().batches ?? []).filter(row => row.batchId != null && !batchEnded(row)).length;
	// The built-in simulator is part of this process: its batches end with it.
	if (run.endpointLabel.startsWith('simulator')) return `pacer: detached; the built-in simulator ends with pacer, and its ${going} batch${going === 1 ? '' : 'es'} with it: run again to send the file again`;
	return `pacer: detached; ${going} batch${going === 1 ? '' : 'es'} go${going === 1 ? 'es' : ''} on at the provider; --resume re-attaches`;
}

/**
 * Tee every write Ink makes, and every resize, into `cast`. Returns the stop, which also
 * closes the file; safe to call more than once.
 */
function recordInto(cast: CastWriter, screen: TerminalScreen, stdout: NodeJS.WriteStream): () => void {
	// What Ink draws assumes a cleared screen with a hidden cursor, as `screen.enter()` leaves it.
	cast.output('\x1b[H\x1b[2J\x1b[?25l');
	const unsubscribe = screen.onOutput(data => cast.output(data));
	const onResize = () => cast.resize(stdout.columns, stdout.rows);
	stdout.on('resize', onResize);
	return () => {
		unsubscribe();
		stdout.off('resize', onResize);
		cast.close();
	};
}
