/**
 * The fault suite: thousands of prompts through the chaos profile at low latency. Nothing
 * lost, nothing duplicated, every transient fault retried, every permanent one not; the
 * attempts pacer reports add up to the requests the server saw and the faults it injected.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {readResults} from '../../src/core/results.js';
import type {JobSpec} from '../../src/core/types.js';
import {runBatch} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';

const N = 3000;
let dir: string;
let sim: Simulator;
beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-chaos-'));
	// Limits far above the run's rate, so the x-ratelimit-* headers show budget left and the
	// chaos profile's seeded 429s read as blips, as they would from a real server.
	sim = await startSimulator({profile: 'chaos', seed: 2026, latencyScale: 0.02, rpm: 10_000_000, tpm: 10_000_000_000});
});
afterAll(async () => {
	await sim.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

test(`chaos: ${N} prompts, nothing lost, nothing duplicated, transient faults retried and permanent ones not`, {timeout: 180_000}, async () => {
	const jobs: JobSpec[] = Array.from({length: N}, (_, i) => ({id: `c${i}`, line: i + 1, input: `chaos prompt ${i}`, text: `chaos prompt ${i}`}));
	const out = path.join(dir, 'chaos.jsonl');
	const {summary} = await runBatch(jobs, {
		out,
		concurrency: 64,
		maxRetries: 10,
		backoffBaseMs: 2,
		backoffMaxMs: 20,
		idleTimeoutMs: 250,
		endpoint: {kind: 'api', apiKey: 'sk-chaos-test-0000', baseURL: sim.url},
	});

	const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
	const {latest} = readResults(out);
	expect(lines).toHaveLength(N);
	expect(latest.size).toBe(N);

	const stats = sim.stats();
	const faults = stats.faults;
	const permanent = faults.badRequest;
	const transient = Object.entries(faults)
		.filter(([name]) => name !== 'badRequest')
		.reduce((sum, [, n]) => sum + n, 0);
	expect(transient).toBeGreaterThan(N * 0.2);
	expect(permanent).toBeGreaterThan(0);

	let attempts = 0;
	let failedAttempts = 0;
	for (const record of latest.values()) {
		attempts += record.attempts;
		if (record.status === 'succeeded') {
			failedAttempts += record.attempts - 1;
		} else {
			// Only the permanently bad prompts fail, each on its first and only attempt.
			expect(record).toMatchObject({status: 'failed', attempts: 1, error: {kind: 'bad_request', status: 400}});
			failedAttempts += 1;
		}
	}
	// Every request the server saw is an attempt pacer counted, and every injected fault
	// is one failed attempt: transient ones were all retried to success.
	expect(attempts).toBe(stats.requests);
	expect(failedAttempts).toBe(transient + permanent);
	expect(summary.failed).toBe(permanent);
	expect(summary.succeeded).toBe(N - permanent);
});
