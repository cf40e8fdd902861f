/**
 * How a dashboard session ends: `q` stops dispatching and lets in-flight requests finish,
 * a second `q` (or Ctrl+C) aborts them, signals interrupt, and the exit code follows
 * DESIGN.md. No React here: the App calls `quit()` / `interrupt()`, runDashboard awaits
 * `exited`.
 */
import type {Runner} from '../core/runner.js';
import {EXIT} from '../exitCodes.js';
import {exitCodeFor} from '../headless.js';
import type {RunStore} from '../store/runStore.js';
import type {QuitStep} from './commands.js';

/** The part of the engine a session drives. */
/** What a dashboard session needs of a run: a runner's start, stop and summary. */
export type SessionRunner = Pick<Runner, 'run' | 'stop' | 'summary'>;

export type Interruption = 'ctrl+c' | 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** How long aborted requests get to settle before the dashboard leaves anyway (a signal must win within 5 s). */
const ABORT_GRACE_MS = 3000;

export class DashboardSession {
	/** Resolves with the exit code once the dashboard may close; rejects if the run throws. */
	readonly exited: Promise<number>;
	readonly #runner: SessionRunner;
	readonly #store: RunStore;
	readonly #exitWhenDone: boolean;
	#stage: 'running' | 'finishing' | 'aborting' = 'running';
	#exitCode: number | null = null;
	#resolve!: (code: number) => void;
	#reject!: (error: unknown) => void;
	#left = false;
	#detached = false;

	constructor(runner: SessionRunner, store: RunStore, options: {exitWhenDone: boolean}) {
		this.#runner = runner;
		this.#store = store;
		this.#exitWhenDone = options.exitWhenDone;
		this.exited = new Promise<number>((resolve, reject) => {
			this.#resolve = resolve;
			this.#reject = reject;
		});
	}

	/** Start the run. With `exitWhenDone` the session ends when the run does. */
	start(): void {
		this.#runner.run().then(
			() => {
				if (this.#exitWhenDone) this.#leave();
			},
			error => this.#reject(error),
		);
	}

	get #done(): boolean {
		return this.#store.getState().run.phase === 'done';
	}

	/** `q`. */
	quit(): QuitStep {
		if (this.#done && this.#stage === 'running') {
			this.#leave();
			return 'leaving';
		}
		if (this.#stage === 'running') {
			this.#stage = 'finishing';
			this.#runner.stop({reason: 'quit from the dashboard'}).then(() => this.#leave(), error => this.#reject(error));
			return 'finishing';
		}
		this.#abort('quit twice from the dashboard');
		return 'aborting';
	}

	/**
	 * `q` in a `--batch-api` run: the run stops watching (`detach`), the batches go on at
	 * the provider, and the dashboard leaves at once; `--resume` re-attaches later.
	 */
	detach(detach: () => void): void {
		if (this.#left) return;
		this.#detached = true;
		detach();
		this.#leave();
	}

	/** The session ended by `detach`. */
	get detached(): boolean {
		return this.#detached;
	}

	/**
	 * Ctrl+C, SIGINT, SIGTERM or SIGHUP: abort what is in flight, flush, leave with 130
	 * (143, 129). A second one while aborting leaves at once.
	 */
	interrupt(how: Interruption): void {
		if (how === 'SIGTERM') this.#exitCode = EXIT.terminated;
		else if (how === 'SIGHUP') this.#exitCode = EXIT.hangup;
		else if (!this.#done || this.#stage !== 'running') this.#exitCode ??= EXIT.interrupted;
		if (this.#done || this.#stage === 'aborting') {
			this.#leave();
			return;
		}
		this.#abort(`interrupted (${how === 'ctrl+c' ? 'Ctrl+C' : how})`);
	}

	#abort(reason: string): void {
		this.#stage = 'aborting';
		this.#runner.stop({abort: true, reason}).then(() => this.#leave(), error => this.#reject(error));
		setTimeout(() => this.#leave(), ABORT_GRACE_MS).unref();
	}

	#leave(): void {
		if (this.#left) return;
		this.#left = true;
		this.#resolve(this.#exitCode ?? exitCodeFor(this.#runner.summary()));
	}
}
