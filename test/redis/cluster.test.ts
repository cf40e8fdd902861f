import {Queue} from 'bullmq';
import {Redis} from 'ioredis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {formatCluster, readCluster} from '../../src/redis/cluster.js';
import {JOB_NAME, queueJobId} from '../../src/redis/queueJobs.js';
import {QueueWorker} from '../../src/redis/queueWorker.js';
import {RedisLimiter} from '../../src/redis/redisLimiter.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';
import {waitUntil} from '../helpers/wait.js';

let redis: RedisServer;
let sim: Simulator;
beforeAll(async () => {
	redis = await startRedis();
	sim = await startSimulator({profile: 'calm', rpm: Infinity, tpm: Infinity, latencyScale: 0.1});
});
afterAll(async () => {
	await sim?.close();
	await redis?.close();
});

describe('the cluster of a queue', () => {
	it('each worker says who it is, what it has in flight and what it has done; gone when it leaves', async () => {
		const connection = new Redis(redis.url, {maxRetriesPerRequest: null});
		const queue = new Queue('beats', {connection});
		try {
			await queue.addBulk(
				Array.from({length: 5}, (_, i) => ({name: JOB_NAME, data: {spec: {id: `p${i}`, line: i + 1, input: `prompt ${i}`, text: `prompt ${i}`}}, opts: {jobId: queueJobId('beats', `p${i}`)}})),
			);
			const limiter = new RedisLimiter(connection, {scope: 'beats'});
			const worker = new QueueWorker({redis: connection, queue: 'beats', client: new ResponsesClient({apiKey: 'sk-test', baseURL: sim.url}), limiter, concurrency: 2});
			let seen: Awaited<ReturnType<typeof readCluster>> = [];
			const poll = setInterval(() => void readCluster(connection, 'beats').then(b => (seen = b)), 50);
			try {
				await waitUntil(() => seen[0]?.done === 5, 'a heartbeat with all 5 done', {timeoutMs: 15_000, seen: () => JSON.stringify(seen)});
			} finally {
				clearInterval(poll);
			}
			expect(seen).toHaveLength(1);
			expect(seen[0]!.name).toBe(worker.name);
			expect(formatCluster(seen, seen[0]!.at)).toMatch(new RegExp(`^cluster: ${worker.name} 0 in flight, 5 done \\(\\d+/min\\)$`));
			expect(formatCluster(seen, seen[0]!.at + 60_000)).toContain(`${worker.name} gone (5 done, last seen 60s ago)`);
			await worker.close();
			limiter.close();
			expect(await readCluster(connection, 'beats')).toEqual([]);
		} finally {
			await queue.close();
			connection.disconnect();
		}
	});
});
