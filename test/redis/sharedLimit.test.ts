/**
 * Three pacer processes on one simulator limit: through one Redis they share it (few
 * 429s, the combined rate within the limit); each on its own, they overrun it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startCli, type CliResult} from '../helpers/cli.js';
import {startRedis, type RedisServer} from '../helpers/redis.js';

const LIMIT = 600;
const PROMPTS = 40;

let redis: RedisServer;
let dir: string;
beforeAll(async () => {
	redis = await startRedis();
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-shared-'));
});
afterAll(async () => {
	await redis?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

async function threeProcesses(sim: Simulator, extra: readonly string[], tag: string): Promise<CliResult[]> {
	const runs = [1, 2, 3].map(n => {
		const file = path.join(dir, `${tag}-${n}.txt`);
		fs.writeFileSync(file, Array.from({length: PROMPTS}, (_, i) => `process ${n} prompt ${i + 1}`).join('\n') + '\n');
		return startCli(['run', file, '--base-url', sim.url, '--no-tui', '--json', '--max-retries', '8', ...extra], {env: {OPENAI_API_KEY: 'fake-key-shared'}});
	});
	return Promise.all(runs.map(r => r.done));
}

/** The most requests the server admitted in any 10 s, as a rate per minute. */
function peakAdmittedRpm(sim: Simulator): number {
	const seconds = sim.stats().perSecond;
	let peak = 0;
	for (let i = 0; i + 10 <= seconds.length; i++) {
		const admitted = seconds.slice(i, i + 10).reduce((sum, s) => sum + s.admitted, 0);
		peak = Math.max(peak, admitted * 6);
	}
	return peak;
}

describe('three processes, one limit', () => {
	it('--rpm through one Redis caps all three together: few 429s, the combined rate within the limit', {timeout: 120_000}, async () => {
		const sim = await startSimulator({profile: 'calm', rpm: LIMIT, tpm: Infinity, rateLimitHeaders: false, latencyScale: 0.2});
		try {
			const results = await threeProcesses(sim, ['--rpm', String(LIMIT), '--redis', redis.url], 'shared');
			for (const r of results) expect(r.code, r.stderr).toBe(0);
			const stats = sim.stats();
			expect(stats.completed + stats.incomplete).toBe(3 * PROMPTS);
			console.log(`shared: ${stats.rateLimited} 429s of ${stats.requests}, peak ${peakAdmittedRpm(sim)} rpm`);
			expect(stats.rateLimited).toBeLessThanOrEqual(6);
			expect(peakAdmittedRpm(sim)).toBeLessThanOrEqual(LIMIT * 1.1);
		} finally {
			await sim.close();
		}
	});

	it('a limit learned from one process\'s headers paces all three', {timeout: 120_000}, async () => {
		const sim = await startSimulator({profile: 'calm', rpm: LIMIT, tpm: Infinity, latencyScale: 0.2});
		try {
			const results = await threeProcesses(sim, ['--redis', redis.url], 'headers');
			for (const r of results) expect(r.code, r.stderr).toBe(0);
			const stats = sim.stats();
			console.log(`headers: ${stats.rateLimited} 429s of ${stats.requests}, peak ${peakAdmittedRpm(sim)} rpm`);
			expect(stats.completed + stats.incomplete).toBe(3 * PROMPTS);
			expect(stats.rateLimited).toBeLessThanOrEqual(12);
			expect(peakAdmittedRpm(sim)).toBeLessThanOrEqual(LIMIT * 1.1);
		} finally {
			await sim.close();
		}
	});

	it('without Redis, each paces to the whole limit and the three draw many 429s', {timeout: 120_000}, async () => {
		const sim = await startSimulator({profile: 'calm', rpm: LIMIT, tpm: Infinity, rateLimitHeaders: false, latencyScale: 0.2});
		try {
			const results = await threeProcesses(sim, ['--rpm', String(LIMIT)], 'alone');
			for (const r of results) expect(r.code, r.stderr).toBe(0);
			const stats = sim.stats();
			console.log(`alone: ${stats.rateLimited} 429s of ${stats.requests}, peak ${peakAdmittedRpm(sim)} rpm`);
			expect(stats.rateLimited).toBeGreaterThanOrEqual(20);
		} finally {
			await sim.close();
		}
	});
});
