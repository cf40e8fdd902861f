/**
 * The collector's dashboard in a real pseudo-terminal, with one `pacer worker` process
 * beside it on a real redis-server: the cluster panel lists the worker, pause stops every
 * worker taking prompts (read from Redis: the queue's flag, nothing active, and heartbeats
 * written while paused with nothing more done), cancel and retry act on the queue.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {assertBuilt, readRecords, startCli} from '../helpers/cli.js';
import {startPty, type PtySession} from '../helpers/ptySession.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';
import {KEYS} from '../helpers/terminal.js';
import {waitUntil} from '../helpers/wait.js';

const KEY = 'fake-key-dashboard';

let redis: RedisServer;
let sim: Simulator;
let dir: string;
let session: PtySession | null = null;
const children: Array<ReturnType<typeof startCli>> = [];

beforeAll(async () => {
	assertBuilt();
	redis = await startRedis();
	// Slow enough replies that prompts are in flight while the test presses keys.
	sim = await startSimulator({profile: 'calm', rpm: 6000, tpm: Infinity, latencyScale: 3});
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-cluster-pty-'));
	fs.writeFileSync(path.join(dir, 'key'), KEY);
});
afterEach(() => {
	session?.dispose();
	session = null;
	for (const child of children.splice(0)) child.child.kill('SIGKILL');
});
afterAll(async () => {
	await sim?.close();
	await redis?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

interface Beat {
	name: string;
	inFlight: number;
	done: number;
	at: number;
}

function beats(queue: string): Beat[] {
	const flat = redis.cli('HGETALL', `pacer:workers:{${queue}}`).split('\n').filter(Boolean);
	const out: Beat[] = [];
	for (let i = 1; i < flat.length; i += 2) out.push(JSON.parse(flat[i]!) as Beat);
	return out.sort((a, b) => a.name.localeCompare(b.name));
}

it('the cluster panel lists the worker; pause holds every worker; cancel and retry act on the queue', {timeout: 120_000}, async () => {
	const queue = 'dash';
	const N = 16;
	const file = path.join(dir, 'prompts.txt');
	fs.writeFileSync(file, Array.from({length: N}, (_, i) => `prompt ${i + 1}: say something`).join('\n') + '\n');
	const out = path.join(dir, 'results.jsonl');
	const common = ['--redis', redis.url, '--queue', queue, '--base-url', sim.url, '--lease', '2', '--concurrency', '1'];

	const worker = startCli(['worker', ...common], {env: {OPENAI_API_KEY: KEY}});
	children.push(worker);
	const workerName = `${os.hostname()}:${worker.child.pid}`;
	session = startPty(['run', file, '--out', out, '--api-key-file', path.join(dir, 'key'), ...common], {cols: 120, rows: 32, cwd: dir});

	// The panel: the shared budget line, the collector's own worker and the worker process.
	await session.waitFor(/cluster dash · 2 workers · shared rpm \d+/);
	await session.waitFor(new RegExp(`${workerName.replace(/[.]/g, '\\.')} +\\d in flight · \\d+ done`));
	expect(session.screen()).toContain('queue dash');

	// Pause the whole queue: the flag in Redis, then nothing active once in-flight prompts end.
	await session.press('p');
	await session.waitFor('queue paused');
	expect(redis.cli('HGET', `bull:${queue}:meta`, 'paused')).toBe('1');
	await waitUntil(() => redis.cli('LLEN', `bull:${queue}:active`) === '0', 'the prompts in flight to end', {timeoutMs: 30_000});
	const completed = redis.cli('ZCARD', `bull:${queue}:completed`);
	// The workers' own word after the drain, then two more heartbeats each while paused
	// (alive, polling the queue): none took anything meanwhile.
	const drainedAt = Date.now();
	const fresh = (after: number) => {
		const now = beats(queue);
		return now.length === 2 && now.every(b => b.at > after);
	};
	await waitUntil(() => fresh(drainedAt), 'a heartbeat from each worker after the drain', {timeoutMs: 20_000, seen: () => JSON.stringify(beats(queue))});
	const drained = beats(queue);
	await waitUntil(() => fresh(Math.max(...drained.map(d => d.at)) + 2000), 'two more heartbeats from each worker', {
		timeoutMs: 20_000,
		seen: () => JSON.stringify(beats(queue)),
	});
	expect(redis.cli('ZCARD', `bull:${queue}:completed`)).toBe(completed);
	expect(redis.cli('LLEN', `bull:${queue}:active`)).toBe('0');
	expect(Number(redis.cli('LLEN', `bull:${queue}:wait`))).toBeGreaterThan(0);
	for (const beat of beats(queue)) expect(beat.inFlight).toBe(0);
	expect(beats(queue).map(b => b.done)).toEqual(drained.map(b => b.done));
	expect(Number(completed)).toBeLessThan(N);

	// Cancel the last prompt, still waiting in the queue: its job is removed, its row cancelled.
	await session.press(KEYS.end);
	await session.waitFor(new RegExp(`^› +${N} line-${N} +· queued`, 'm'));
	await session.press('c');
	await session.waitFor(new RegExp(`^› +${N} line-${N} +⊘ cancelled`, 'm'));
	expect(redis.cli('EXISTS', `bull:${queue}:${queue}/line-${N}`)).toBe('0');
	// Retry it: added again under a new job id, which BullMQ does not drop as a duplicate.
	await session.press('r');
	await session.waitFor(new RegExp(`^› +${N} line-${N} +· queued`, 'm'));
	await waitUntil(() => redis.cli('KEYS', `bull:${queue}:${queue}/line-${N}#retry-1-*`) !== '', 'the retried job in Redis', {timeoutMs: 10_000});

	// Resume: every prompt ends, the retried one succeeded.
	await session.press('p');
	await session.waitFor(/done in|✓ done .*\n.*succeeded/, 60_000);
	await waitUntil(() => fs.existsSync(out) && readRecords(out).filter(r => r.id === `line-${N}`).some(r => r.status === 'succeeded'), 'the retried prompt to succeed', {
		timeoutMs: 60_000,
	});
	await session.waitFor(/done in/, 60_000);
	await session.press('q');
	expect(await session.exited).toBe(0);
	const records = readRecords(out);
	expect(records.map(r => r.id).sort()).toEqual(Array.from({length: N}, (_, i) => `line-${i + 1}`).sort());
	expect(records.every(r => r.status === 'succeeded')).toBe(true);
	// The worker process did some of them (its name is in the results it handed back).
	const jobIds = redis.cli('ZRANGE', `bull:${queue}:completed`, '0', '-1').split('\n');
	const byWorker = jobIds.map(id => (JSON.parse(redis.cli('HGET', `bull:${queue}:${id}`, 'returnvalue')) as {worker: string}).worker);
	expect(byWorker).toContain(workerName);
	expect((await worker.done).code).toBe(0);
});
