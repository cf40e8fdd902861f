/**
 * Recordings for the demo tests: the built CLI run in a pseudo-terminal with --record, and
 * the cast played back the way a viewer sees it: its "o" events written, in order, into a
 * headless xterm of the recorded size ("r" events resize it), the screen read as text.
 */
import {readFileSync} from 'node:fs';
import xterm from '@xterm/headless';
import pty from 'node-pty';
import {parseCast, type CastHeader} from '../../src/core/cast.js';

export interface Replay {
	readonly header: CastHeader;
	/** The screen after the last event, trailing blanks trimmed on each row. */
	readonly screen: string;
	/** The time of the last event, in seconds. */
	readonly duration: number;
	/** The screen as it stood at each of these times (seconds), in the order given. */
	readonly at: readonly string[];
}

function write(term: xterm.Terminal, data: string): Promise<void> {
	return new Promise(resolve => term.write(data, resolve));
}

function screenOf(term: xterm.Terminal): string {
	const buffer = term.buffer.active;
	const lines: string[] = [];
	for (let i = 0; i < term.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
	return lines.join('\n');
}

export async function replayCast(text: string, times: readonly number[] = []): Promise<Replay> {
	const {header, events} = parseCast(text);
	const term = new xterm.Terminal({cols: header.width, rows: header.height, allowProposedApi: true});
	const pending = [...times].map((t, i) => ({t, i})).sort((a, b) => a.t - b.t);
	const at: string[] = new Array(times.length).fill('');
	try {
		for (const [time, type, data] of events) {
			while (pending.length && pending[0].t < time) at[pending.shift()!.i] = screenOf(term);
			if (type === 'o') await write(term, data);
			else {
				const [cols, rows] = data.split('x').map(Number);
				term.resize(cols, rows);
			}
		}
		const screen = screenOf(term);
		for (const {i} of pending) at[i] = screen;
		return {header, screen, duration: events.at(-1)?.[0] ?? 0, at};
	} finally {
		term.dispose();
	}
}

/**
 * The screen with every time figure blanked: the header's elapsed clock, "done in 4.2s",
 * latencies and countdowns. They are measured in real time, so two runs of the same seed
 * agree on everything but these.
 */
export function withoutTimes(screen: string): string {
	return screen
		.replace(/\b\d+(?::\d\d){1,2}$/m, '--:--')
		.replace(/\b(\d+h\d\dm|\d+m\d\ds|\d+\.\ds)(?=\s|$|\))/g, match => '#'.repeat(match.length));
}

export interface RecordedRun {
	readonly code: number;
	readonly cast: string;
	/** Everything the CLI wrote to the terminal. */
	readonly output: string;
}

/**
 * The built CLI in a pseudo-terminal of `size`, recording itself with `--record`; resolves
 * when it exits (pass --exit-when-done). Colours on, no CI variables (Ink draws nothing
 * until the end when it thinks it is in CI).
 */
export function recordRun(cli: string, args: readonly string[], options: {cwd: string; cast: string; size?: {cols: number; rows: number}; env?: Record<string, string>}): Promise<RecordedRun> {
	const size = options.size ?? {cols: 100, rows: 30};
	const env: Record<string, string> = {...(process.env as Record<string, string>), TERM: 'xterm-256color', SHELL: '/bin/bash', ...options.env};
	for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR']) delete env[name];
	if (!options.env?.OPENAI_API_KEY) delete env.OPENAI_API_KEY;
	if (!options.env?.OPENAI_BASE_URL) delete env.OPENAI_BASE_URL;
	const child = pty.spawn(process.execPath, [cli, ...args, '--record', options.cast], {name: 'xterm-256color', ...size, cwd: options.cwd, env});
	let output = '';
	child.onData(data => (output += data));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`pacer ${args.join(' ')} did not exit within 30 s:\n${output.slice(-2000)}`));
		}, 30_000);
		child.onExit(({exitCode}) => {
			clearTimeout(timer);
			try {
				resolve({code: exitCode, cast: readFileSync(options.cast, 'utf8'), output});
			} catch (error) {
				reject(error instanceof Error ? error : new Error(String(error)));
			}
		});
	});
}
