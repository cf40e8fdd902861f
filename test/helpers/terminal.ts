/**
 * One place for what the dashboard tests share: a fake terminal of a fixed size to
 * render into, key sequences, waiting for a frame, and runs driven by the real engine
 * against the simulator on loopback.
 */
import {EventEmitter} from 'node:events';
import {render, type Instance} from 'ink';
import type {ReactElement} from 'react';
import type {JobSpec} from '../../src/core/types.js';
import {prepareRun, type PreparedRun, type RunOptions} from '../../src/runBatch.js';
import type {SimulatorOptions, SimProfileName} from '../../src/sim/index.js';
import type {RunStore} from '../../src/store/runStore.js';
import {delay, waitUntil} from './wait.js';

export {delay, waitUntil} from './wait.js';

/** What a key sends on a terminal. */
export const KEYS = {
	up: '\x1b[A',
	down: '\x1b[B',
	pageUp: '\x1b[5~',
	pageDown: '\x1b[6~',
	home: '\x1b[H',
	end: '\x1b[F',
	enter: '\r',
	escape: '\x1b',
	backspace: '\x7f',
	ctrlC: '\x03',
} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]/g;

export function stripAnsi(text: string): string {
	return text.replace(ANSI, '');
}

class FakeStdout extends EventEmitter {
	readonly isTTY = true;
	readonly frames: string[] = [];
	columns: number;
	rows: number;
	constructor(columns: number, rows: number) {
		super();
		this.columns = columns;
		this.rows = rows;
	}
	write = (frame: string): boolean => {
		this.frames.push(frame);
		return true;
	};
}

class FakeStdin extends EventEmitter {
	readonly isTTY = true;
	#pending: string[] = [];
	write(data: string): void {
		this.#pending.push(data);
		this.emit('readable');
	}
	read(): string | null {
		return this.#pending.shift() ?? null;
	}
	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

export interface Terminal {
	/** The last frame, colours stripped. */
	frame(): string;
	/** The last frame as written, with its escape codes. */
	rawFrame(): string;
	/** Every frame written so far. */
	readonly frames: readonly string[];
	/** Type keys one at a time (each its own chunk, as a person types). */
	press(...keys: string[]): Promise<void>;
	/** Resolves with the first frame (colours stripped) that contains `text` or passes the test. */
	waitFor(expected: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
	resize(columns: number, rows: number): void;
	unmount(): void;
}

/** Render into a fake terminal `columns` x `rows`; every render is a frame (Ink's debug mode). */
export function renderTerminal(tree: ReactElement, size: {columns?: number; rows?: number} = {}): Terminal {
	const stdout = new FakeStdout(size.columns ?? 80, size.rows ?? 24);
	const stdin = new FakeStdin();
	const stderr = new FakeStdout(80, 24);
	const instance: Instance = render(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	const frame = () => stripAnsi(stdout.frames.at(-1) ?? '');
	return {
		frame,
		rawFrame: () => stdout.frames.at(-1) ?? '',
		frames: stdout.frames,
		async press(...keys) {
			for (const key of keys) {
				stdin.write(key);
				// Let Ink parse it (a lone ESC waits a moment for a sequence) and React render.
				await delay(key === KEYS.escape ? 40 : 15);
			}
		},
		async waitFor(expected, timeoutMs = 5000) {
			const test = typeof expected === 'function' ? expected : (text: string) => (typeof expected === 'string' ? text.includes(expected) : expected.test(text));
			return waitUntil(() => (test(frame()) ? frame() : undefined), `a frame matching ${String(expected)}`, {timeoutMs, seen: () => `the last frame:\n${frame()}`});
		},
		resize(columns, rows) {
			stdout.columns = columns;
			stdout.rows = rows;
			stdout.emit('resize');
		},
		unmount() {
			instance.unmount();
			instance.cleanup();
		},
	};
}

/** `n` text prompts with ids `line-1`... */
export function prompts(n: number, text = (i: number) => `Prompt number ${i}: say something short`): JobSpec[] {
	return Array.from({length: n}, (_, k) => {
		const i = k + 1;
		return {id: `line-${i}`, line: i, input: text(i), text: text(i)};
	});
}

export interface SimRunOptions extends Omit<RunOptions, 'endpoint'> {
	readonly profile?: SimProfileName;
	readonly seed?: number;
	/** @default 0.05 (fast) */
	readonly latencyScale?: number;
	readonly sim?: Omit<SimulatorOptions, 'profile' | 'seed' | 'latencyScale' | 'port'>;
}

const liveRuns = new Set<PreparedRun>();

/**
 * A run of the real engine against the simulator on loopback; results kept in memory unless
 * `out` is given. `stopSimRuns` (in an afterEach) stops and closes every run made here.
 */
export async function simRun(jobs: readonly JobSpec[], options: SimRunOptions = {}): Promise<PreparedRun> {
	const {profile = 'calm', seed = 1, latencyScale = 0.05, sim, ...rest} = options;
	const run = await prepareRun(jobs, {out: null, ...rest, endpoint: {kind: 'sim', profile, seed, options: {...sim, latencyScale}}});
	liveRuns.add(run);
	return run;
}

/**
 * Resolves once the engine has refreshed its rate figures `n` times (it does every 250 ms
 * while a run is on). By then it has long acted on anything it was about to do, so a test
 * may go on to check that something did not happen.
 */
export async function engineTicks(store: RunStore, n = 2): Promise<void> {
	let refreshes = 0;
	const unsubscribe = store.subscribe((state, previous) => {
		if (state.rate !== previous.rate) refreshes++;
	});
	try {
		await waitUntil(() => refreshes >= n, `${n} rate refreshes of the engine`, {seen: () => `${refreshes} refreshes`});
	} finally {
		unsubscribe();
	}
}

/** Abort and close every run `simRun` made: in-flight requests, the simulator, the results file. */
export async function stopSimRuns(): Promise<void> {
	const runs = [...liveRuns];
	liveRuns.clear();
	for (const run of runs) {
		await run.runner.stop({abort: true});
		await run.finish();
	}
}
