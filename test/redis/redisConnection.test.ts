/**
 * The Redis connection as a person meets it: a wrong URL stops the run before anything is
 * sent (the password hidden); Redis going away mid-run pauses dispatch with one clear line
 * and the run goes on when it is back; the key never reaches Redis.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, runCli, startCli} from '../helpers/cli.js';
import {freePort, startRedis, type RedisServer} from '../helpers/redis.js';
import {waitUntil} from '../helpers/wait.js';

const KEY = 'fake-key-never-in-redis';

let redis: RedisServer;
let sim: Simulator;
let dir: string;
beforeAll(async () => {
	redis = await startRedis();
	sim = await startSimulator({profile: 'calm', rpm: 6000, latencyScale: 0.2});
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-redis-conn-'));
});
afterAll(async () => {
	await sim?.close();
	await redis?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

function prompts(name: string, n: number): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, Array.from({length: n}, (_, i) => `prompt ${i + 1}`).join('\n') + '\n');
	return file;
}

describe('--redis', () => {
	it('a URL that reaches no Redis: exit 2 before anything is sent, the URL shown without its password', async () => {
		const port = await freePort();
		sim.resetStats();
		const result = await runCli(['run', prompts('wrong.txt', 3), '--base-url', sim.url, '--no-tui', '--redis', `redis://pacer:hunter2secret@127.0.0.1:${port}`], {env: {OPENAI_API_KEY: KEY}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`cannot reach Redis at redis://pacer:***@127.0.0.1:${port}`);
		expect(result.stderr + result.stdout).not.toContain('hunter2secret');
		expect(sim.stats().requests).toBe(0);
	});

	it('pacer worker and run --queue on a URL that reaches no Redis: exit 2, nothing sent', async () => {
		const port = await freePort();
		sim.resetStats();
		const url = `redis://:hunter2secret@127.0.0.1:${port}`;
		const worker = await runCli(['worker', '--redis', url, '--queue', 'q', '--base-url', sim.url], {env: {OPENAI_API_KEY: KEY}});
		expect(worker.code).toBe(2);
		expect(worker.stderr).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}`);
		// An old results file stays as it was.
		const out = path.join(dir, 'q.results.jsonl');
		fs.writeFileSync(out, '{"earlier":"run"}\n');
		const collector = await runCli(['run', prompts('q.txt', 2), '--out', out, '--no-tui', '--redis', url, '--queue', 'q', '--base-url', sim.url], {env: {OPENAI_API_KEY: KEY}});
		expect(collector.code).toBe(2);
		expect(fs.readFileSync(out, 'utf8')).toBe('{"earlier":"run"}\n');
		expect(collector.stderr).not.toContain('hunter2secret');
		expect(sim.stats().requests).toBe(0);
	});

	it('--queue without Redis, or with a name BullMQ cannot take, is a usage error', async () => {
		const noRedis = await runCli(['run', prompts('nq.txt', 1), '--no-tui', '--queue', 'q', '--base-url', sim.url], {env: {OPENAI_API_KEY: KEY}});
		expect(noRedis.code).toBe(2);
		expect(noRedis.stderr).toContain('--queue names a queue shared through Redis');
		const badName = await runCli(['worker', '--redis', redis.url, '--queue', 'a:b', '--base-url', sim.url], {env: {OPENAI_API_KEY: KEY}});
		expect(badName.code).toBe(2);
		expect(badName.stderr).toContain('cannot contain ":"');
	});

	it('--limit-scope without --redis is a usage error', async () => {
		const result = await runCli(['run', prompts('scope.txt', 1), '--base-url', sim.url, '--no-tui', '--limit-scope', 'team-a'], {env: {OPENAI_API_KEY: KEY}});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--limit-scope');
	});

	it('keeps only pacer:limit keys named by a hash, never the key', async () => {
		const result = await runCli(['run', prompts('keys.txt', 5), '--base-url', sim.url, '--no-tui', '--rpm', '6000'], {env: {OPENAI_API_KEY: KEY, PACER_REDIS_URL: redis.url}});
		expect(result.code, result.stderr).toBe(0);
		const keys = redis.cli('KEYS', '*').split('\n').filter(Boolean);
		expect(keys.length).toBeGreaterThan(0);
		for (const key of keys) {
			expect(key).toMatch(/^pacer:limit:\{127\.0\.0\.1:\d+\/[0-9a-f]{16}\}:(state|req|tok|use)$/);
			expect(key).not.toContain(KEY);
			expect(redis.cli('DUMP', key)).not.toContain(KEY);
		}
	});

	it('Redis going away mid-run: one line, dispatch waits, then goes on; every prompt ends once', {timeout: 60_000}, async () => {
		const file = prompts('restart.txt', 40);
		const out = path.join(dir, 'restart.results.jsonl');
		const run = startCli(['run', file, '--out', out, '--base-url', sim.url, '--no-tui', '--rpm', '300', '--redis', redis.url], {env: {OPENAI_API_KEY: KEY}});
		const written = () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).length : 0);
		await waitUntil(() => written() >= 5, '5 results before Redis goes', {timeoutMs: 20_000, seen: run.output});
		await redis.stop();
		await waitUntil(() => run.output().includes('lost Redis'), 'the lost-Redis line', {timeoutMs: 10_000, seen: run.output});
		// While it is away, what was in flight ends; the outage then lasts a while (the setup,
		// not a wait for nothing): the records say that nothing started in it.
		await waitUntil(() => sim.stats().inFlight === 0, 'requests in flight to end', {timeoutMs: 10_000});
		const quietFrom = Date.now();
		await new Promise(resolve => setTimeout(resolve, 1500));
		const quietUntil = Date.now();
		await redis.start();
		const result = await run.done;
		expect(result.code, result.stdout + result.stderr).toBe(0);
		expect(result.stdout.match(/lost Redis at redis:\/\/127\.0\.0\.1:\d+/g)).toHaveLength(1);
		expect(result.stdout).toContain('is back: dispatch goes on');
		const records = readRecords(out);
		const startedInOutage = records.filter(r => {
			const at = Date.parse(String(r.started_at));
			return at > quietFrom && at < quietUntil;
		});
		expect(startedInOutage.map(r => r.id)).toEqual([]);
		expect(records.some(r => Date.parse(String(r.started_at)) >= quietUntil)).toBe(true);
		const ids = records.map(r => r.id);
		expect(new Set(ids).size).toBe(40);
		expect(ids).toHaveLength(40);
	});
});
