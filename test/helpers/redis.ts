/**
 * A real `redis-server` for a test: on a free loopback port, no persistence of its own,
 * its files in a temp folder removed after. `restart()` brings it back on the same port,
 * either as a crash does (everything lost) or as a Redis with persistence does
 * (`keepData`: SHUTDOWN SAVE, then the dump is loaded).
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {waitUntil} from './wait.js';

export interface RedisServer {
	readonly url: string;
	readonly port: number;
	/** Stop it (the port then refuses connections) until `start`. */
	stop(options?: {keepData?: boolean}): Promise<void>;
	start(): Promise<void>;
	/** Stop and start again on the same port. */
	restart(options?: {keepData?: boolean}): Promise<void>;
	/** Run a redis-cli command against it; returns its stdout, trimmed. */
	cli(...args: string[]): string;
	/** Stop it for good and remove its files. */
	close(): Promise<void>;
}

export function redisServerPath(): string {
	const found = spawnSync('sh', ['-c', 'command -v redis-server'], {encoding: 'utf8'}).stdout.trim();
	if (!found) throw new Error('redis-server is missing: apt-get install -y redis-server (.ci/run installs it)');
	return found;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

export async function startRedis(): Promise<RedisServer> {
	const binary = redisServerPath();
	const port = await freePort();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-redis-'));
	let child: ChildProcess | null = null;
	let log = '';

	const cli = (...args: string[]): string => {
		const out = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {encoding: 'utf8'});
		return out.stdout.trim();
	};

	const start = async (): Promise<void> => {
		if (child) return;
		log = '';
		// No save points and no AOF: nothing is written unless a test asks for it (keepData).
		const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'], {stdio: ['ignore', 'pipe', 'pipe']});
		child = proc;
		proc.stdout!.on('data', chunk => (log += chunk));
		proc.stderr!.on('data', chunk => (log += chunk));
		proc.on('exit', () => {
			if (child === proc) child = null;
		});
		await waitUntil(() => log.includes('Ready to accept connections') || child == null, `redis-server on port ${port}`, {timeoutMs: 15_000, seen: () => log});
		if (!child) throw new Error(`redis-server did not start on port ${port}:\n${log}`);
	};

	const stop = async (options: {keepData?: boolean} = {}): Promise<void> => {
		const proc = child;
		if (!proc) return;
		if (!options.keepData) fs.rmSync(path.join(dir, 'dump.rdb'), {force: true});
		const exited = new Promise<void>(resolve => proc.once('exit', () => resolve()));
		if (options.keepData) cli('SHUTDOWN', 'SAVE');
		else proc.kill('SIGKILL');
		await exited;
		child = null;
		if (!options.keepData) fs.rmSync(path.join(dir, 'dump.rdb'), {force: true});
	};

	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		start,
		stop,
		async restart(options) {
			await stop(options);
			await start();
		},
		cli,
		async close() {
			await stop();
			fs.rmSync(dir, {recursive: true, force: true});
		},
	};
}
