/**
 * The collector's controls on the whole queue, heard through the dashboard's store: a
 * prompt a worker is running is cancelled by that worker at its next heartbeat, a failed
 * one is sent again under a new job id, and the store's cluster slice lists the worker
 * with its share of the shared budget.
 */
import {Redis} from 'ioredis';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import type {JobSpec} from '../../src/core/types.js';
import {queueJobId} from '../../src/redis/queueJobs.js';
import {QueueRunner} from '../../src/redis/queueRunner.js';
import {QueueWorker} from '../../src/redis/queueWorker.js';
import {RedisLimiter} from '../../src/redis/redisLimiter.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {createRunStore} from '../../src/store/runStore.js';
import {storeSink} from '../../src/store/storeSink.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';
import {waitUntil} from '../helpers/wait.js';

let redis: RedisServer;
let sim: Simulator;
beforeAll(async () => {
	redis = await startRedis();
	// Replies take seconds: a prompt is still running when it is cancelled.
	sim = await startSimulator({profile: 'calm', rpm: Infinity, tpm: Infinity, latencyScale: 15});
});
afterAll(async () => {
	await sim?.close();
	await redis?.close();
});

const spec = (id: string, line: number, model = 'gpt-5.4-mini'): JobSpec => ({id, line, input: `prompt ${id}`, text: `prompt ${id}`, model, maxOutputTokens: 300});

it('cancel reaches the worker running the prompt; retry sends a failed one again; the store shows the cluster', {timeout: 90_000}, async () => {
	const queue = 'controls';
	const connection = new Redis(redis.url, {maxRetriesPerRequest: null});
	const limiter = new RedisLimiter(connection, {scope: queue, rpm: 6000});
	const worker = new QueueWorker({redis: connection, queue, client: new ResponsesClient({apiKey: 'sk-test', baseURL: sim.url}), limiter, concurrency: 2, leaseMs: 5000, maxRetries: 0});
	const store = createRunStore();
	const runner = new QueueRunner({
		redis: connection,
		queue,
		specs: [spec('slow', 1), spec('missing-model', 2, 'nope-model')],
		worker,
		sink: storeSink(store),
		budget: () => limiter.snapshot(),
		scope: queue,
		onClusterFigures: figures => store.getState().setCluster({figures}),
		figuresEveryMs: 200,
	});
	const job = (id: string) => store.getState().jobs.get(id)!;
	try {
		const done = runner.run();
		await waitUntil(() => job('missing-model').status === 'failed', 'the unknown model to fail', {timeoutMs: 30_000});
		expect(job('missing-model').error?.kind).toBe('not_found');
		await waitUntil(() => job('slow').status === 'running', 'the slow prompt to run', {timeoutMs: 30_000});

		// The store's cluster slice: the worker, working, and its share of the budget.
		await waitUntil(() => store.getState().cluster?.figures?.workers[0]?.inFlight === 1, 'the worker in the cluster figures', {
			timeoutMs: 10_000,
			seen: () => JSON.stringify(store.getState().cluster),
		});
		const figures = store.getState().cluster!.figures!;
		expect(figures.workers.map(w => w.name)).toEqual([worker.name]);
		expect(figures.workers[0]!.rpm).toBe(2);
		expect(figures.rpmLimit).toBe(6000);
		expect(figures.rpmNow).toBeGreaterThanOrEqual(2);

		runner.cancel('slow');
		await waitUntil(() => job('slow').status === 'cancelled', 'the running prompt cancelled by its worker', {timeoutMs: 15_000});
		expect(job('slow').error?.kind).toBe('cancelled');
		await done;
		expect(store.getState().run.phase).toBe('done');

		// Retry: the failed prompt goes in again under a new job id and is sent again.
		const sent = sim.stats().requests;
		expect(runner.retry('missing-model')).toBe(true);
		expect(job('missing-model').status).toBe('queued');
		expect(store.getState().run.phase).toBe('running');
		await runner.whenDone();
		expect(job('missing-model').status).toBe('failed');
		expect(sim.stats().requests).toBe(sent + 1);
		expect(redis.cli('KEYS', `bull:${queue}:${queueJobId(queue, 'missing-model')}#retry-1-*`)).not.toBe('');
		// Retry of the cancelled one succeeds; a prompt that succeeded cannot be retried.
		expect(runner.retry('slow')).toBe(true);
		await runner.whenDone();
		expect(job('slow').status).toBe('succeeded');
		expect(runner.retry('slow')).toBe(false);
		expect(runner.summary()).toMatchObject({succeeded: 1, failed: 1, cancelled: 0});
	} finally {
		runner.close();
		await runner.shutdown();
		limiter.close();
		connection.disconnect();
	}
});
