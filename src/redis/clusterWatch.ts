/**
 * The collector's eye on its cluster: every `lineEveryMs` one plain line of who works on
 * the queue, and every `figuresEveryMs` the workers, the queue's pause and the shared
 * budget as figures for a dashboard. Reads only; a Redis that is away leaves the last
 * figures standing.
 */
import type {Queue} from 'bullmq';
import type {Redis} from 'ioredis';
import type {LimiterSnapshot} from '../core/limiter.js';
import {clusterFigures, formatCluster, readCluster, type ClusterFigures} from './cluster.js';

export interface ClusterWatchOptions {
	readonly redis: Redis;
	readonly queue: Pick<Queue, 'name' | 'isPaused'>;
	readonly scope: string;
	readonly budget?: () => LimiterSnapshot;
	readonly onLine?: (line: string) => void;
	/** @default 10000 */
	readonly lineEveryMs?: number;
	readonly onFigures?: (figures: ClusterFigures) => void;
	/** @default 1000 */
	readonly figuresEveryMs?: number;
}

const NO_BUDGET = {rpmNow: 0, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null};

/** Starts watching; returns the stop. */
export function watchCluster(options: ClusterWatchOptions): () => void {
	const timers: Array<ReturnType<typeof setInterval>> = [];
	const every = (ms: number, read: () => Promise<void>) => {
		const timer = setInterval(() => void read().catch(() => {}), ms);
		timer.unref();
		timers.push(timer);
	};
	const {onLine, onFigures} = options;
	if (onLine) every(options.lineEveryMs ?? 10_000, async () => onLine(formatCluster(await readCluster(options.redis, options.queue.name), Date.now())));
	if (onFigures) {
		const read = async () => {
			const [beats, paused] = await Promise.all([readCluster(options.redis, options.queue.name), options.queue.isPaused()]);
			const budget = options.budget?.() ?? NO_BUDGET;
			onFigures(clusterFigures(beats, budget, {queue: options.queue.name, scope: options.scope, paused, now: Date.now()}));
		};
		void read().catch(() => {});
		every(options.figuresEveryMs ?? 1000, read);
	}
	return () => {
		for (const timer of timers) clearInterval(timer);
	};
}
