/**
 * Measures the dashboard as a person sees it: the built code in a real pseudo-terminal,
 * frames counted from the terminal's synchronized-update marks, keypress-to-frame delay
 * taken when xterm has parsed the frame that shows the key's effect.
 */
import path from 'node:path';
import xterm from '@xterm/headless';
import pty from 'node-pty';

const root = path.resolve(import.meta.dirname, '../..');
/** Ink wraps each frame in a synchronized update on a TTY. */
const FRAME_START = '\x1b[?2026h';

export interface DashboardFigures {
	/** Spawn to the first screen that shows the table. */
	readonly firstFrameMs: number;
	/** Frames a second over a window with no keys pressed (the store changing all the while). */
	readonly fps: number;
	/** Store-driven jobs ended a second over the window (how busy the run was). */
	readonly jobsPerSecond: number;
	/** Each `j` press to the frame showing the selection one row down. */
	readonly keyLatencyMs: readonly number[];
}

export interface MeasureOptions {
	readonly jobs: number;
	/** The simulator's latency multiplier: 0 answers at once (the CPU is saturated), 1 streams at a realistic pace. @default 0 */
	readonly latencyScale?: number;
	readonly cols?: number;
	readonly rows?: number;
	/** How many `j` presses to time. @default 20 */
	readonly presses?: number;
	readonly out?: string;
	/** How long frames are counted (no keys pressed meanwhile). @default 2000 */
	readonly windowMs?: number;
	/** Where the driver writes its event-loop delay percentiles. */
	readonly lagReport?: string;
}

export async function measureDashboard(options: MeasureOptions): Promise<DashboardFigures> {
	const cols = options.cols ?? 80;
	const rows = options.rows ?? 24;
	const env = {...process.env, TERM: 'xterm-256color'} as Record<string, string>;
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	const term = new xterm.Terminal({cols, rows, allowProposedApi: true});
	const started = performance.now();
	const child = pty.spawn(process.execPath, [path.join(root, 'test/e2e/dashboardDriver.mjs'), String(options.jobs), options.out ?? '', String(options.latencyScale ?? 0), options.lagReport ?? ''], {name: 'xterm-256color', cols, rows, cwd: root, env});
	const exited = new Promise<number>(resolve => child.onExit(({exitCode}) => resolve(exitCode)));

	let frames = 0;
	let firstFrameMs = -1;
	let waiter: {test: (screen: string) => boolean; resolve: (at: number) => void} | null = null;
	const screen = () => {
		const buffer = term.buffer.active;
		const lines: string[] = [];
		for (let i = 0; i < rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
		return lines.join('\n');
	};
	child.onData(data => {
		frames += data.split(FRAME_START).length - 1;
		term.write(data, () => {
			const text = screen();
			if (firstFrameMs < 0 && /line-1 /.test(text)) firstFrameMs = performance.now() - started;
			if (waiter?.test(text)) {
				const {resolve} = waiter;
				waiter = null;
				resolve(performance.now());
			}
		});
	});
	const waitForScreen = (test: (text: string) => boolean, timeoutMs = 10_000) =>
		new Promise<number>((resolve, reject) => {
			if (test(screen())) return resolve(performance.now());
			const timer = setTimeout(() => reject(new Error(`timed out; the screen:\n${screen()}`)), timeoutMs);
			waiter = {test, resolve: at => (clearTimeout(timer), resolve(at))};
		});
	const ended = () => {
		const match = screen().match(/(\d[\d,]*)\/(\d[\d,]*) +\d+%/);
		return match ? Number(match[1].replace(/,/g, '')) : 0;
	};

	try {
		await waitForScreen(text => /line-1 /.test(text), 15_000);
		// Let the run get going, then count frames over a window with no keys pressed.
		await new Promise(resolve => setTimeout(resolve, 500));
		const windowStart = performance.now();
		const framesBefore = frames;
		const endedBefore = ended();
		await new Promise(resolve => setTimeout(resolve, options.windowMs ?? 2000));
		const seconds = (performance.now() - windowStart) / 1000;
		const fps = (frames - framesBefore) / seconds;
		const jobsPerSecond = (ended() - endedBefore) / seconds;
		const keyLatencyMs: number[] = [];
		for (let i = 0; i < (options.presses ?? 20); i++) {
			const next = `line-${i + 2} `;
			const pressedAt = performance.now();
			const shown = waitForScreen(text => text.split('\n').some(line => line.startsWith('›') && line.includes(next)));
			child.write('j');
			keyLatencyMs.push((await shown) - pressedAt);
			await new Promise(resolve => setTimeout(resolve, 120));
		}
		const figures = {firstFrameMs, fps, jobsPerSecond, keyLatencyMs};
		child.write('q');
		await new Promise(resolve => setTimeout(resolve, 100));
		child.write('q');
		await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 10_000))]);
		return figures;
	} finally {
		try {
			child.kill('SIGKILL');
		} catch {
			// gone
		}
		term.dispose();
	}
}

export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Spawn of the built CLI (`args` after `node dist/cli.js`) to the first screen that shows `expected`. */
export async function measureFirstFrame(args: readonly string[], expected: RegExp, size = {cols: 80, rows: 24}): Promise<number> {
	const env = {...process.env, TERM: 'xterm-256color'} as Record<string, string>;
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	const term = new xterm.Terminal({cols: size.cols, rows: size.rows, allowProposedApi: true});
	const started = performance.now();
	const child = pty.spawn(process.execPath, [path.join(root, 'dist/cli.js'), ...args], {name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd: root, env});
	try {
		return await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error('no first frame within 15 s')), 15_000);
			child.onData(data =>
				term.write(data, () => {
					const buffer = term.buffer.active;
					for (let i = 0; i < size.rows; i++) {
						if (expected.test(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '')) {
							clearTimeout(timer);
							resolve(performance.now() - started);
							return;
						}
					}
				}),
			);
		});
	} finally {
		child.kill('SIGKILL');
		term.dispose();
	}
}
