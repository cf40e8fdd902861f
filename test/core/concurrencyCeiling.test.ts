/**
 * `concurrency: N` is a ceiling on requests in flight, counted where it matters: at a real
 * server on loopback (the simulator, no limits, some latency), through the real SDK. Each
 * test also checks the ceiling was reached, so it fails if the engine sends too few as
 * well as too many.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import {Engine} from '../../src/core/engine.js';
import type {Limiter, LimiterSnapshot, Permit} from '../../src/core/limiter.js';
import type {JobSpec} from '../../src/core/types.js';
import {prepareRun, runBatch, type PreparedRun, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/sim/index.js';
import {waitUntil} from '../helpers/wait.js';

const jobs = (n: number): JobSpec[] =>
	Array.from({length: n}, (_, i) => ({id: `p${i + 1}`, line: i + 1, input: `question number ${i + 1}`, text: `question number ${i + 1}`}));

/** A server without limits: only pacer's own ceiling can bound what is open at once. */
const unlimited = (extra: SimulatorOptions = {}): SimulatorOptions => ({profile: 'calm', seed: 5, latencyScale: 0.1, rpm: Infinity, tpm: Infinity, ...extra});

const servers: Simulator[] = [];
const runs: PreparedRun[] = [];
afterEach(async () => {
	for (const run of runs.splice(0)) {
		await run.runner.stop({abort: true});
		await run.finish();
	}
	for (const server of servers.splice(0)) await server.close();
});

async function server(options: SimulatorOptions): Promise<Simulator> {
	const sim = await startSimulator(options);
	servers.push(sim);
	return sim;
}

/** A Limiter that holds every request until `open()`, then lets all through. */
class GateLimiter implements Limiter {
	waiting = 0;
	#open = false;
	#release: Array<() => void> = [];

	open(): void {
		this.#open = true;
		for (const release of this.#release.splice(0)) release();
	}

	async acquire(): Promise<Permit> {
		if (!this.#open) {
			this.waiting++;
			await new Promise<void>(resolve => this.#release.push(resolve));
			this.waiting--;
		}
		return {settle: () => {}};
	}

	observeHeaders(): void {}
	observeRateLimit(): void {}
	snapshot(): LimiterSnapshot {
		return {rpmNow: 0, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null, pacedRpm: null};
	}
}

const against = (sim: Simulator): RunOptions['endpoint'] => ({kind: 'api', apiKey: 'sk-local-test', baseURL: sim.url});

describe('a fixed --concurrency N', () => {
	test('3: at most 3 requests open at the server, and 3 reached', async () => {
		const sim = await server(unlimited());
		const {summary} = await runBatch(jobs(40), {concurrency: 3, endpoint: against(sim)});
		expect(summary.succeeded).toBe(40);
		expect(sim.stats().requests).toBe(40);
		expect(sim.stats().maxInFlight).toBe(3);
	});

	test('8: at most 8 open, and 8 reached', async () => {
		const sim = await server(unlimited());
		const {summary, store} = await runBatch(jobs(80), {concurrency: 8, endpoint: against(sim)});
		expect(summary.succeeded).toBe(80);
		expect(sim.stats().maxInFlight).toBe(8);
		expect(store.getState().rate).toMatchObject({concurrency: 8, concurrencyMode: 'fixed'});
	});

	test('retries count: with a third of the attempts answered 500, still at most 4 open', async () => {
		const sim = await server(unlimited({faults: {server500: 0.35}}));
		const {summary} = await runBatch(jobs(60), {concurrency: 4, maxRetries: 8, backoffBaseMs: 5, backoffMaxMs: 20, endpoint: against(sim)});
		expect(summary.succeeded).toBe(60);
		expect(summary.retries).toBeGreaterThan(10);
		expect(sim.stats().faults.server500).toBe(summary.retries);
		expect(sim.stats().maxInFlight).toBe(4);
	});

	test('lowered while slots wait for the limiter, the new ceiling holds for them too', async () => {
		// A limiter that lets nothing through until the test opens it: all 8 slots end up
		// waiting for it, then get their permits at once.
		const gate = new GateLimiter();
		const sim = await server(unlimited());
		const engine = new Engine(jobs(30), {client: new ResponsesClient({apiKey: 'sk-local-test', baseURL: sim.url}), concurrency: 8, limiter: gate});
		const done = engine.run();
		await waitUntil(() => gate.waiting === 8, 'all 8 slots to wait for the limiter', {timeoutMs: 10_000});
		engine.setConcurrency(2);
		gate.open();
		await done;
		expect(engine.summary().succeeded).toBe(30);
		expect(sim.stats().requests).toBe(30);
		expect(sim.stats().maxInFlight).toBe(2);
		engine.close();
	});

	test('0, 2.5 or a negative number is refused before anything is sent', async () => {
		const sim = await server(unlimited());
		for (const concurrency of [0, 2.5, -1]) {
			await expect(runBatch(jobs(2), {concurrency, endpoint: against(sim)})).rejects.toThrow(/concurrency must be a whole number >= 1 or 'auto'/);
		}
		await expect(runBatch(jobs(2), {maxConcurrency: 0, endpoint: against(sim)})).rejects.toThrow(/maxConcurrency must be a whole number >= 1/);
		expect(sim.stats().requests).toBe(0);
	});
});

describe("concurrency 'auto' (the default)", () => {
	test('starts at 4, grows above it while latency allows, and never passes maxConcurrency', async () => {
		const sim = await server(unlimited());
		const run = await prepareRun(jobs(400), {out: null, maxConcurrency: 6, endpoint: against(sim)});
		runs.push(run);
		expect(run.store.getState().rate).toMatchObject({concurrency: 4, concurrencyMode: 'auto', maxConcurrency: 6});
		const seen = new Set<number>();
		run.store.subscribe(state => seen.add(state.rate.concurrency));
		await run.runner.run();
		expect(Math.max(...seen)).toBe(6);
		expect(sim.stats().maxInFlight).toBeGreaterThan(4);
		expect(sim.stats().maxInFlight).toBeLessThanOrEqual(6);
		expect(run.runner.concurrencyMode).toBe('auto');
	});

	test('setConcurrency: a number fixes the ceiling, auto lets it adapt again from there', async () => {
		const sim = await server(unlimited());
		const run = await prepareRun(jobs(4), {out: null, endpoint: against(sim)});
		runs.push(run);
		run.runner.setConcurrency(9);
		expect(run.store.getState().rate).toMatchObject({concurrency: 9, concurrencyMode: 'fixed'});
		run.runner.setConcurrency('auto');
		expect(run.store.getState().rate).toMatchObject({concurrency: 9, concurrencyMode: 'auto'});
		// Auto keeps within its own bounds: a fixed 200 comes back to auto at the max, 64.
		run.runner.setConcurrency(200);
		run.runner.setConcurrency('auto');
		expect(run.runner.concurrency).toBe(64);
		expect(() => run.runner.setConcurrency(0)).toThrow(RangeError);
	});
});
