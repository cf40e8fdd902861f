/**
 * The Redis connection of a run: ioredis, checked before anything is sent, and watched
 * after. A URL that reaches nothing is an error at once (with the password hidden); a
 * connection lost mid-run is retried for ever while commands wait in ioredis' offline
 * queue, and `onStatus` says so once when it goes and once when it comes back.
 */
import {Redis} from 'ioredis';

/** How long the first connection may take before the run gives up (nothing sent yet). */
const CONNECT_TIMEOUT_MS = 3000;
/** Between reconnection tries once the run is under way: soon, but not a busy loop. */
const RECONNECT_MAX_MS = 1000;

export class RedisUnreachableError extends Error {
	override readonly name = 'RedisUnreachableError';
}

/** The URL with its password (and a user's name) replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString().replace(/\/$/, '');
	} catch {
		return url.replace(/\/\/[^@/]*@/, '//***@');
	}
}

export type RedisStatus = 'down' | 'up';

export interface RedisConnectionOptions {
	/** Told once when the connection is lost and once when it is back. */
	readonly onStatus?: (status: RedisStatus, url: string) => void;
	/** Shown in `CLIENT LIST`, so an operator can tell pacer's connections apart. */
	readonly name?: string;
}

/** A second connection on the same URL and settings (BullMQ's blocking worker wants its own). */
export function redisOptions(): {maxRetriesPerRequest: null; enableReadyCheck: boolean} {
	// BullMQ needs maxRetriesPerRequest null: its commands wait for the connection, never fail for it.
	return {maxRetriesPerRequest: null, enableReadyCheck: true};
}

/**
 * Connect, or throw RedisUnreachableError naming the (redacted) URL. After the first
 * connection, a lost one is retried without end: commands wait, nothing fails for it.
 */
export async function connectRedis(url: string, options: RedisConnectionOptions = {}): Promise<Redis> {
	const shown = redactRedisUrl(url);
	let connected = false;
	let down = false;
	let redis: Redis;
	try {
		redis = new Redis(url, {
			...redisOptions(),
			lazyConnect: true,
			connectTimeout: CONNECT_TIMEOUT_MS,
			connectionName: options.name,
			// Before the first connection a failure is final: the run has not started.
			retryStrategy: times => (connected ? Math.min(times * 100, RECONNECT_MAX_MS) : null),
		});
	} catch (error) {
		throw new RedisUnreachableError(`--redis ${shown}: not a Redis URL (${(error as Error).message})`);
	}
	// Errors are reported through status changes; an unhandled 'error' event would crash the process.
	redis.on('error', () => {});
	try {
		await redis.connect();
	} catch (error) {
		redis.disconnect();
		const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
		throw new RedisUnreachableError(`cannot reach Redis at ${shown} (${code}): nothing was sent`);
	}
	connected = true;
	redis.on('close', () => {
		if (down || redis.status === 'end') return;
		down = true;
		options.onStatus?.('down', shown);
	});
	redis.on('ready', () => {
		if (!down) return;
		down = false;
		options.onStatus?.('up', shown);
	});
	return redis;
}
