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
	/** Requests and tokens of the shared budget this worker was granted in the last 60 s (absent from older workers). */
	readonly rpm?: number;
	readonly tpm?: number;
}

/** One worker as the dashboard shows it. */
export interface WorkerFigures {
	readonly name: string;
	readonly inFlight: number;
	readonly done: number;
	/** Prompts a minute since it started. */
	readonly perMinute: number;
	/** Its share of the budget, last 60 s; null when its heartbeat does not say. */
	readonly rpm: number | null;
	readonly tpm: number | null;
	/** Its heartbeat is old: killed, or its machine lost. */
	readonly gone: boolean;
	/** Epoch ms of its last heartbeat. */
	readonly seenAt: number;
}

/** The cluster of a queue and its shared budget, for the collector's dashboard. */
export interface ClusterFigures {
	readonly queue: string;
	readonly scope: string;
	/** The whole queue is paused (every worker takes nothing new). */
	readonly paused: boolean;
	readonly workers: readonly WorkerFigures[];
	/** The scope's budget: used in the last 60 s by every process on it, of the limit in force. */
	readonly rpmNow: number;
	readonly tpmNow: number;
	readonly rpmLimit: number | null;
	readonly tpmLimit: number | null;
	/** `flags`, `headers`, `flags+headers`, or null while nothing is known. */
	readonly limitSource: string | null;
	/** Requests of the last 60 s by processes of the scope that are not workers of this queue. */
	readonly othersRpm: number;
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

export function workerFigures(beat: WorkerBeat, now: number): WorkerFigures {
	const minutes = Math.max(1 / 60, (beat.at - beat.since) / 60_000);
	return {
		name: beat.name,
		inFlight: beat.inFlight,
		done: beat.done,
		perMinute: Math.round(beat.done / minutes),
		rpm: beat.rpm ?? null,
		tpm: beat.tpm ?? null,
		gone: now - beat.at > GONE_MS,
		seenAt: beat.at,
	};
}

/** The workers and the shared budget as one view; a gone worker's share no longer counts. */
export function clusterFigures(
	beats: readonly WorkerBeat[],
	budget: Pick<ClusterFigures, 'rpmNow' | 'tpmNow' | 'rpmLimit' | 'tpmLimit' | 'limitSource'>,
	facts: {queue: string; scope: string; paused: boolean; now: number},
): ClusterFigures {
	const workers = beats.map(beat => workerFigures(beat, facts.now));
	const ours = workers.reduce((sum, w) => sum + (w.gone ? 0 : (w.rpm ?? 0)), 0);
	return {queue: facts.queue, scope: facts.scope, paused: facts.paused, workers, ...budget, othersRpm: Math.max(0, budget.rpmNow - ours)};
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
