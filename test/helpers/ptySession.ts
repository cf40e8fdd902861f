/**
 * The built CLI in a real pseudo-terminal: node-pty runs it, @xterm/headless keeps the
 * screen, and a test reads rows and presses keys as a person would.
 */
import xterm from '@xterm/headless';
import pty from 'node-pty';
import {cliCommand} from './cli.js';
import {waitUntil} from './wait.js';

export interface PtySession {
	screen(): string;
	/** The first screen line that matches. */
	row(pattern: RegExp): string | undefined;
	waitFor(expected: string | RegExp, timeoutMs?: number): Promise<void>;
	press(...keys: string[]): Promise<void>;
	/** Every byte the CLI wrote. */
	output(): string;
	readonly exited: Promise<number>;
	kill(signal: string): void;
	dispose(): void;
}

export interface PtyOptions {
	readonly cols?: number;
	readonly rows?: number;
	readonly cwd: string;
	readonly env?: Record<string, string>;
	/** A script to run instead of the built CLI (a driver of the dashboard). */
	readonly script?: string;
	/** Cap every file the CLI writes (see `cliCommand`). */
	readonly fileSizeLimit?: number;
}

export function startPty(args: readonly string[], options: PtyOptions): PtySession {
	const cols = options.cols ?? 80;
	const rows = options.rows ?? 24;
	const term = new xterm.Terminal({cols, rows, allowProposedApi: true});
	// Ink draws nothing until exit when it thinks it is in CI.
	const env = {...process.env, TERM: 'xterm-256color', ...options.env} as Record<string, string>;
	delete env.CI;
	delete env.CONTINUOUS_INTEGRATION;
	delete env.NO_COLOR;
	delete env.OPENAI_API_KEY;
	delete env.OPENAI_BASE_URL;
	const command = cliCommand(args, options.fileSizeLimit, options.script);
	const child = pty.spawn(command.file, command.args, {name: 'xterm-256color', cols, rows, cwd: options.cwd, env});
	let output = '';
	child.onData(data => {
		output += data;
		term.write(data);
	});
	const exited = new Promise<number>(resolve => child.onExit(({exitCode}) => resolve(exitCode)));
	const screen = () => {
		const buffer = term.buffer.active;
		const lines: string[] = [];
		for (let i = 0; i < rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
		return lines.join('\n');
	};
	return {
		screen,
		row: pattern => screen().split('\n').find(line => pattern.test(line)),
		async waitFor(expected, timeoutMs = 20_000) {
			// xterm parses writes asynchronously: read the screen only after it caught up.
			await waitUntil(
				() => {
					const text = screen();
					return typeof expected === 'string' ? text.includes(expected) : expected.test(text);
				},
				`the screen to show ${String(expected)}`,
				{timeoutMs, everyMs: 25, seen: screen},
			);
		},
		async press(...keys) {
			for (const key of keys) {
				child.write(key);
				await new Promise(resolve => setTimeout(resolve, 60));
			}
		},
		output: () => output,
		exited,
		kill: signal => child.kill(signal),
		dispose() {
			try {
				child.kill('SIGKILL');
			} catch {
				// already gone
			}
			term.dispose();
		},
	};
}
