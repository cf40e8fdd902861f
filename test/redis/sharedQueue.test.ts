/**
 * One batch on many processes through a BullMQ queue: a worker killed with kill -9, a
 * collector killed and restarted with --resume, Redis restarted mid-run. Every prompt is
 * written exactly once: each written record prints one line, so the lines are counted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, startCli} from '../helpers/cli.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';
import {waitUntil} from '../helpers/wait.js';

const KEY = 'fake-key-queue';
const env = {OPENAI_API_KEY: KEY};

let redis: RedisServer;
let sim: Simulator;
let dir: string;
beforeAll(async () => {
	redis = await startRedis();
	sim = await startSimulator({profile: 'calm', rpm: 6000, tpm: Infinity, latencyScale: 1});
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-queue-'));
});
afterAll(async () => {
	await sim?.close();
	await redis?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});
beforeEach(() => {
	redis.cli('FLUSHALL');
	sim.resetStats();
});

function prompts(name: string, n: number): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, Array.from({length: n}, (_, i) => `prompt ${i + 1}`).join('\n') + '\n');
	return file;
}

/** Ids of the records a collector wrote, one per printed ending line (`line-7  ok ... [worker]`). */
function writtenIds(stdout: string): string[] {
	return [...stdout.matchAll(/^\+\s*[\d.]+s\s+(\S+)\s+(?:ok|truncated|failed|cancelled|skipped)\b.*\[[^\]]+\]$/gm)].map(m => m[1]!);
}

function expectEachOnce(ids: readonly string[], n: number): void {
	const counts = new Map<string, number>();
	for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
	expect([...counts.values()].filter(c => c !== 1)).toEqual([]);
	expect(counts.size).toBe(n);
}

/**
 * A short lease brings a dead process's prompts back fast. It must outlast the longest pause
 * of a live process's event loop, or BullMQ takes that process's own jobs for stalled and
 * they are sent twice: on a loaded CI machine (tests side by side, a core kept busy) 2 s did
 * not always, so the tests that count requests sent twice use 4 s.
 */
const common = (queue: string, lease = 2) => ['--redis', redis.url, '--queue', queue, '--base-url', sim.url, '--lease', String(lease)];

describe('pacer run --queue and pacer worker', () => {
	it('a worker killed with kill -9: its prompts come back after the lease, every id written once', {timeout: 90_000}, async () => {
		const N = 40;
		const file = prompts('kill.txt', N);
		const out = path.join(dir, 'kill.results.jsonl');
		const collector = startCli(['run', file, '--out', out, '--no-tui', '--concurrency', '2', ...common('kill', 4)], {env});
		await waitUntil(() => collector.output().includes('shared through Redis'), 'the collector to enqueue', {timeoutMs: 20_000, seen: collector.output});
		const doomed = startCli(['worker', '--concurrency', '4', ...common('kill', 4)], {env});
		const survivor = startCli(['worker', '--concurrency', '2', ...common('kill', 4)], {env});
		// Killed while it holds prompts: it has finished one, and more are under way.
		await waitUntil(() => / ok | truncated /.test(doomed.output()), 'the doomed worker to finish a prompt', {timeoutMs: 30_000, seen: doomed.output});
		doomed.child.kill('SIGKILL');
		const result = await collector.done;
		expect(result.code, result.stdout + result.stderr).toBe(0);
		expectEachOnce(writtenIds(result.stdout), N);
		expect(new Set(readRecords(out).map(r => r.id)).size).toBe(N);
		expect(readRecords(out)).toHaveLength(N);
		// Only what the dead worker had in flight was sent twice.
		expect(sim.stats().requests - N).toBeLessThanOrEqual(4);
		expect((await survivor.done).code).toBe(0);
		expect((await doomed.done).signal).toBe('SIGKILL');
	});

	it('running the same file again on the same queue adds nothing and sends nothing', {timeout: 60_000}, async () => {
		const file = prompts('again.txt', 6);
		const out = path.join(dir, 'again.results.jsonl');
		const first = await startCli(['run', file, '--out', out, '--no-tui', ...common('again')], {env}).done;
		expect(first.code, first.stderr).toBe(0);
		const sent = sim.stats().requests;
		const second = await startCli(['run', file, '--out', out, '--no-tui', ...common('again')], {env}).done;
		expect(second.code, second.stderr).toBe(0);
		expect(sim.stats().requests).toBe(sent);
		expect(redis.cli('ZCARD', 'bull:again:completed')).toBe('6');
		expect(readRecords(out)).toHaveLength(6);
	});

	it('a collector killed with kill -9 and started again with --resume picks up the same queue', {timeout: 90_000}, async () => {
		const N = 30;
		const file = prompts('resume.txt', N);
		const out = path.join(dir, 'resume.results.jsonl');
		const first = startCli(['run', file, '--out', out, '--no-tui', '--concurrency', '3', ...common('resume', 4)], {env});
		await waitUntil(() => writtenIds(first.output()).length >= 5, '5 prompts written', {timeoutMs: 30_000, seen: first.output});
		first.child.kill('SIGKILL');
		const killed = await first.done;
		const second = await startCli(['run', file, '--out', out, '--no-tui', '--resume', ...common('resume', 4)], {env}).done;
		expect(second.code, second.stdout + second.stderr).toBe(0);
		expectEachOnce([...writtenIds(killed.stdout), ...writtenIds(second.stdout)], N);
		expect(new Set(readRecords(out).map(r => r.id)).size).toBe(N);
		expect(sim.stats().requests - N).toBeLessThanOrEqual(3);
	});

	it('Redis restarting mid-run: a clear line, a pause, then on; nothing lost or doubled', {timeout: 90_000}, async () => {
		const N = 30;
		const file = prompts('restart.txt', N);
		const out = path.join(dir, 'restart.results.jsonl');
		const collector = startCli(['run', file, '--out', out, '--no-tui', '--concurrency', '3', ...common('restart')], {env});
		await waitUntil(() => writtenIds(collector.output()).length >= 5, '5 prompts written', {timeoutMs: 30_000, seen: collector.output});
		// A Redis that keeps its data (RDB or AOF) going down and coming back on the same port.
		await redis.stop({keepData: true});
		await waitUntil(() => collector.output().includes('lost Redis'), 'the lost-Redis line', {timeoutMs: 10_000, seen: collector.output});
		await new Promise(resolve => setTimeout(resolve, 1500));
		await redis.start();
		const result = await collector.done;
		expect(result.code, result.stdout + result.stderr).toBe(0);
		expect(result.stdout).toContain('is back: dispatch goes on');
		expectEachOnce(writtenIds(result.stdout), N);
		expect(readRecords(out)).toHaveLength(N);
	});
});
