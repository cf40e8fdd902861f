import {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {defaultLimitScope, RedisLimiter} from '../../src/redis/redisLimiter.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';
import {waitUntil} from '../helpers/wait.js';

let redis: RedisServer;
const clients: Redis[] = [];
beforeAll(async () => {
	redis = await startRedis();
});
afterAll(async () => {
	for (const c of clients) c.disconnect();
	await redis?.close();
});

function limiter(scope: string, options: {rpm?: number; tpm?: number} = {}): RedisLimiter {
	const client = new Redis(redis.url, {maxRetriesPerRequest: null});
	clients.push(client);
	return new RedisLimiter(client, {scope, ...options});
}

describe('RedisLimiter', () => {
	it('a 429 with no budget left in one process holds dispatch in another for the server\'s delay', async () => {
		const a = limiter('hold');
		const b = limiter('hold');
		a.observeRateLimit(1500, {limitRequests: 600, remainingRequests: 0});
		await waitUntil(() => redis.cli('HGET', 'pacer:limit:{hold}:state', 'held') !== '', 'the hold in Redis');
		const start = performance.now();
		await b.acquire(10);
		expect(performance.now() - start).toBeGreaterThanOrEqual(1200);
		a.close();
		b.close();
	});

	it('two processes on one scope share its requests/min: 12 permits at 600/min take at least a second', async () => {
		const a = limiter('pace', {rpm: 600});
		const b = limiter('pace', {rpm: 600});
		const start = performance.now();
		await Promise.all([...Array.from({length: 6}, () => a.acquire(1)), ...Array.from({length: 6}, () => b.acquire(1))]);
		// 12 permits at 100 ms each, two of them from the burst: at least ~1 s whoever asked.
		expect(performance.now() - start).toBeGreaterThanOrEqual(900);
		await waitUntil(() => a.snapshot().rpmNow >= 12 && b.snapshot().rpmNow >= 12, 'both to see the 12 requests of the scope', {seen: () => JSON.stringify([a.snapshot(), b.snapshot()])});
		expect(a.snapshot().rpmLimit).toBe(600);
		expect(a.snapshot().limitSource).toBe('flags');
		a.close();
		b.close();
	});

	it('limits learned from headers in one process are the other\'s', async () => {
		const a = limiter('learn');
		const b = limiter('learn');
		a.observeHeaders({limitRequests: 300, limitTokens: 90_000});
		await waitUntil(() => b.snapshot().rpmLimit === 300 && b.snapshot().tpmLimit === 90_000, 'b to see the learned limits', {seen: () => JSON.stringify(b.snapshot())});
		expect(b.snapshot().limitSource).toBe('headers');
		a.close();
		b.close();
	});
});

describe('defaultLimitScope', () => {
	it('one key on one endpoint shares; another key does not; the key is never in it', () => {
		const key = 'fake-key-abcdefghijklmnop';
		const scope = defaultLimitScope('https://api.example.com/v1', key);
		expect(defaultLimitScope('https://api.example.com/v1', key)).toBe(scope);
		expect(defaultLimitScope('https://api.example.com/v1', 'sk-other')).not.toBe(scope);
		expect(scope).toMatch(/^api\.example\.com\/[0-9a-f]{16}$/);
		expect(scope).not.toContain('abcdefgh');
	});
});
