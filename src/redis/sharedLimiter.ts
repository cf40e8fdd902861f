/**
 * Wiring for `--redis`: a checked connection and the RedisLimiter on it, with the lines a
 * person reads when Redis goes away and comes back. While it is away, every `acquire`
 * waits in ioredis' offline queue, so nothing new is dispatched; requests in flight finish.
 */
import type {Redis} from 'ioredis';
import {connectRedis, type RedisStatus} from './connection.js';
import {RedisLimiter} from './redisLimiter.js';

export interface SharedLimiterOptions {
	readonly url: string;
	readonly scope: string;
	readonly rpm?: number;
	readonly tpm?: number;
	/** One line each time Redis goes away and comes back. */
	readonly log: (line: string) => void;
}

export interface SharedLimiter {
	readonly limiter: RedisLimiter;
	readonly redis: Redis;
	close(): Promise<void>;
}

export function redisStatusLine(status: RedisStatus, url: string): string {
	return status === 'down'
		? `pacer: lost Redis at ${url}: dispatch paused until it is back (requests in flight go on)`
		: `pacer: Redis at ${url} is back: dispatch goes on`;
}

/** Throws RedisUnreachableError (nothing sent) when the URL reaches no Redis. */
export async function openSharedLimiter(options: SharedLimiterOptions): Promise<SharedLimiter> {
	const redis = await connectRedis(options.url, {name: 'pacer-limiter', onStatus: (status, url) => options.log(redisStatusLine(status, url))});
	const limiter = new RedisLimiter(redis, {scope: options.scope, rpm: options.rpm, tpm: options.tpm});
	return {
		limiter,
		redis,
		async close() {
			limiter.close();
			await redis.quit().catch(() => redis.disconnect());
		},
	};
}
