/**
 * Learning limits without headers, end to end: the engine and its limiter through the real
 * openai SDK against the simulator on loopback, with no `x-ratelimit-*` on any answer.
 * What is checked is behaviour (what was learned, what ended how), never speed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/sim/index.js';

let dir: string;
let sim: Simulator | undefined;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-limiter-sim-'));
});
afterEach(async () => {
	await sim?.close();
	sim = undefined;
	fs.rmSync(dir, {recursive: true, force: true});
});

const jobs = (n: number): JobSpec[] =>
	Array.from({length: n}, (_, i) => ({id: `p${i + 1}`, line: i + 1, input: `question number ${i + 1}`, text: `question number ${i + 1}`}));

async function runAgainst(options: SimulatorOptions, count: number) {
	sim = await startSimulator({profile: 'calm', seed: 5, rateLimitHeaders: false, ...options});
	const out = path.join(dir, 'out.jsonl');
	const {summary, store} = await runBatch(jobs(count), {
		out,
		concurrency: 8,
		maxRetries: 6,
		endpoint: {kind: 'api', apiKey: 'sk-test-local', baseURL: sim.url},
	});
	const records = fs
		.readFileSync(out, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as ResultRecord);
	return {summary, rate: store.getState().rate, records, stats: sim.stats()};
}

describe('pacing from 429s alone (no x-ratelimit-* headers)', () => {
	test('a few random bare 429s while no limit binds are blips: nothing is learned, every prompt succeeds', async () => {
		const {summary, rate, records, stats} = await runAgainst(
			{rpm: Infinity, tpm: Infinity, latencyScale: 0.05, faults: {rateLimit: 0.03}},
			300,
		);
		// The simulator's seeded blips were met, and each retried to success.
		expect(stats.faults.rateLimit).toBeGreaterThanOrEqual(3);
		expect(summary.rateLimited).toBe(stats.faults.rateLimit);
		expect(records).toHaveLength(300);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		// No limit was taken from them: nothing paces the run.
		expect(rate).toMatchObject({rpmLimit: null, tpmLimit: null, limitSource: null});
	});

	test('a real limit that answers with 429s and retry-after only is still learned', async () => {
		const {summary, rate, records} = await runAgainst({rpm: 600, tpm: Infinity, latencyScale: 0}, 30);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		expect(summary.rateLimited).toBeGreaterThan(0);
		// A rate learned from the 429s, near the server's 600 a minute rather than unbounded.
		expect(rate.limitSource).toBeNull();
		expect(rate.rpmLimit).not.toBeNull();
		expect(rate.rpmLimit!).toBeLessThanOrEqual(900);
	});
});
