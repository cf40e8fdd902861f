/** Running the built CLI as a person would: a child process, its exit code and output. */
import {spawn, type ChildProcess} from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export function assertBuilt(): void {
	if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
}

export interface CliResult {
	readonly code: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly stdout: string;
	readonly stderr: string;
}

/** Env for the child: nothing of the caller's OpenAI settings leaks in unless given. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env = {...process.env};
	delete env.OPENAI_API_KEY;
	delete env.OPENAI_BASE_URL;
	return {...env, NO_COLOR: '1', ...extra};
}

export interface CliOptions {
	env?: Record<string, string>;
	cwd?: string;
	stdin?: string;
	/**
	 * Cap every file the CLI writes at this many bytes (RLIMIT_FSIZE, with SIGXFSZ ignored so a
	 * write past it fails with EFBIG): a full disk without mounting one. A multiple of 512.
	 */
	fileSizeLimit?: number;
}

/** The command that runs the built CLI with `args`, under a file size cap when asked. */
export function cliCommand(args: readonly string[], fileSizeLimit?: number, script = CLI): {file: string; args: string[]} {
	if (fileSizeLimit == null) return {file: process.execPath, args: [script, ...args]};
	// sh's ulimit -f counts 512-byte blocks; an ignored signal stays ignored across exec.
	const limited = 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"';
	return {file: '/bin/sh', args: ['-c', limited, 'sh', String(Math.floor(fileSizeLimit / 512)), process.execPath, script, ...args]};
}

export function startCli(args: readonly string[], options: CliOptions = {}): {
	child: ChildProcess;
	done: Promise<CliResult>;
	output: () => string;
} {
	assertBuilt();
	const command = cliCommand(args, options.fileSizeLimit);
	const child = spawn(command.file, command.args, {cwd: options.cwd ?? ROOT, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', chunk => (stdout += chunk));
	child.stderr!.on('data', chunk => (stderr += chunk));
	child.stdin!.end(options.stdin ?? '');
	const done = new Promise<CliResult>(resolve => child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})));
	return {child, done, output: () => stdout + stderr};
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
	return startCli(args, options).done;
}

/** Resolves with what `promise` gives, or rejects after `timeoutMs` saying what it waited for. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

export interface ResultLine {
	id: string;
	status: string;
	error: {kind: string; message: string} | null;
	[key: string]: unknown;
}

export function readRecords(file: string): ResultLine[] {
	const text = fs.readFileSync(file, 'utf8');
	return text
		.split('\n')
		.filter(line => line.trim() !== '')
		.map(line => JSON.parse(line) as ResultLine);
}
