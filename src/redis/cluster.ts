/**
 * Who works on a queue: each worker writes a heartbeat (host, in flight, done, since when)
 * into one hash of the queue every few seconds; the collector reads it for its lines. A
 * worker whose heartbeat is old is gone (killed, or its machine lost): its prompts come
 * back through BullMQ's leases, not through this.
 */
import type {Redis} from 'ioredis';

export interface WorkerBeat {
	readonly name: string;
	readonly host: string;
	readonly inFlight: number;
	readonly done: number;
	/** Epoch ms the worker started, and of this heartbeat. */
	readonly since: number;
	readonly at: number;
}

/** How often a worker writes its heartbeat. */
export const BEAT_MS = 2000;
/** A heartbeat older than this is a worker gone. */
const GONE_MS = 3 * BEAT_MS;

const keyOf = (queue: string) => `pacer:workers:{${queue}}`;

export async function writeBeat(redis: Redis, queue: string, beat: WorkerBeat): Promise<void> {
	await redis.multi().hset(keyOf(queue), beat.name, JSON.stringify(beat)).pexpire(keyOf(queue), 24 * 3600_000).exec();
}

export async function removeBeat(redis: Redis, queue: string, name: string): Promise<void> {
	await redis.hdel(keyOf(queue), name);
}

export async function readCluster(redis: Redis, queue: string): Promise<WorkerBeat[]> {
	const all = await redis.hgetall(keyOf(queue));
	return Object.values(all)
		.map(text => JSON.parse(text) as WorkerBeat)
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** One line for the collector: each worker's in flight, done and rate, or that it is gone. */
export function formatCluster(beats: readonly WorkerBeat[], now: number): string {
	if (beats.length === 0) return 'cluster: no worker yet';
	const parts = beats.map(b => {
		if (now - b.at > GONE_MS) return `${b.name} gone (${b.done} done, last seen ${Math.round((now - b.at) / 1000)}s ago)`;
		const minutes = Math.max(1 / 60, (b.at - b.since) / 60_000);
		return `${b.name} ${b.inFlight} in flight, ${b.done} done (${Math.round(b.done / minutes)}/min)`;
	});
	return `cluster: ${parts.join('; ')}`;
}
