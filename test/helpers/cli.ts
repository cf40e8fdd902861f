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

export function startCli(args: readonly string[], options: {env?: Record<string, string>; cwd?: string; stdin?: string} = {}): {
	child: ChildProcess;
	done: Promise<CliResult>;
	output: () => string;
} {
	assertBuilt();
	const child = spawn(process.execPath, [CLI, ...args], {cwd: options.cwd ?? ROOT, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', chunk => (stdout += chunk));
	child.stderr!.on('data', chunk => (stderr += chunk));
	child.stdin!.end(options.stdin ?? '');
	const done = new Promise<CliResult>(resolve => child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})));
	return {child, done, output: () => stdout + stderr};
}

export function runCli(args: readonly string[], options: {env?: Record<string, string>; cwd?: string; stdin?: string} = {}): Promise<CliResult> {
	return startCli(args, options).done;
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
