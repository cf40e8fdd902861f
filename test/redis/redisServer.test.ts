import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startRedis, type RedisServer} from '../helpers/redis.js';

describe('the test redis-server', () => {
	let redis: RedisServer;
	beforeAll(async () => {
		redis = await startRedis();
	});
	afterAll(async () => {
		await redis?.close();
	});

	it('listens on a loopback port and answers', () => {
		expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
		expect(redis.cli('PING')).toBe('PONG');
	});

	it('restarts on the same port, keeping its data only when asked', async () => {
		redis.cli('SET', 'kept', 'yes');
		await redis.restart({keepData: true});
		expect(redis.cli('GET', 'kept')).toBe('yes');
		await redis.restart();
		expect(redis.cli('GET', 'kept')).toBe('');
	});

	it('refuses connections while stopped', async () => {
		await redis.stop();
		expect(redis.cli('PING')).not.toBe('PONG');
		await redis.start();
		expect(redis.cli('PING')).toBe('PONG');
	});
});
