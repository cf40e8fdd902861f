/**
 * A headless run counts input tokens exactly only once something reads the count: with no
 * token limit, budget or --max-input-tokens, the tokenizer (about 60 MB) is never loaded,
 * and a server that names a token limit in its headers turns exact counting on. The runs go
 * through the real SDK against the simulator on loopback. The tests of one file share one
 * module graph, so the run that must load nothing goes first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {countWhenNeeded} from '../../src/core/countWhenNeeded.js';
import {RateLimiter} from '../../src/core/limiter.js';
import {encodingsLoaded} from '../../src/core/tokens.js';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {prepareRun} from '../../src/runBatch.js';
import {startSimulator, type SimulatorOptions} from '../../src/sim/index.js';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-count-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

const spec = (text: string): JobSpec => ({id: 'a', line: 1, input: text, text});

/** A headless run of `n` prompts against a simulator with `limits`; resolves with its records. */
async function headless(n: number, limits: Pick<SimulatorOptions, 'rpm' | 'tpm'>): Promise<ResultRecord[]> {
	const sim = await startSimulator({profile: 'calm', seed: 3, latencyScale: 0, ...limits});
	try {
		const out = path.join(dir, 'out.jsonl');
		const jobs = Array.from({length: n}, (_, i) => `question ${i + 1}: name a colour`);
		const run = await prepareRun(jobs, {out, keepJobs: false, concurrency: 4, maxOutputTokens: 16, endpoint: {kind: 'api', apiKey: 'sk-test-count-key', baseURL: sim.url}});
		await run.runner.run();
		await run.finish();
		return fs
			.readFileSync(out, 'utf8')
			.split('\n')
			.filter(Boolean)
			.map(line => JSON.parse(line) as ResultRecord);
	} finally {
		await sim.close();
	}
}

describe('counting input tokens only when something reads them', {timeout: 60_000}, () => {
	test('a headless run with no token limit never loads the tokenizer', async () => {
		const records = await headless(40, {rpm: Infinity, tpm: Infinity});
		expect(records).toHaveLength(40);
		expect(records.every(r => r.status === 'succeeded' && r.usage != null)).toBe(true);
		expect(encodingsLoaded()).toEqual([]);
	});

	test('a server that sends token limits gets exact counts in a headless run', async () => {
		// The run above loaded nothing: the server's token headers are what loads it here. The
		// jobs queued before the first answer keep their rough count (the queue reads at most
		// 64 ahead), so the batch is longer than that.
		const records = await headless(200, {rpm: Infinity, tpm: 10_000_000});
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
		expect(encodingsLoaded()).toContain('o200k_base');
	});

	test('the count is rough until a header names a token limit, exact from then on', () => {
		const exactCalls: string[] = [];
		const lazy = countWhenNeeded(new RateLimiter({}), (job, model) => {
			exactCalls.push(model);
			return 1000 + job.text.length;
		});
		const text = 'x'.repeat(40);
		// The engine's rough estimate: about 4 characters a token, plus 8.
		expect(lazy.count(spec(text), 'gpt-5.4-mini')).toBe(18);
		lazy.limiter.observeHeaders({limitRequests: 600, remainingRequests: 599});
		expect(lazy.exact).toBe(false);
		expect(lazy.count(spec(text), 'gpt-5.4-mini')).toBe(18);
		expect(exactCalls).toEqual([]);
		lazy.limiter.observeHeaders({limitRequests: 600, limitTokens: 30_000, remainingTokens: 29_000});
		expect(lazy.exact).toBe(true);
		expect(lazy.count(spec(text), 'gpt-5.4-mini')).toBe(1040);
		expect(exactCalls).toEqual(['gpt-5.4-mini']);
		// The limiter behind it heard the headers too.
		expect(lazy.limiter.snapshot().tpmLimit).not.toBeNull();
	});

	test('a 429 that names the tokens left turns exact counting on', () => {
		const lazy = countWhenNeeded(new RateLimiter({}), () => 7);
		lazy.limiter.observeRateLimit(500);
		expect(lazy.exact).toBe(false);
		lazy.limiter.observeRateLimit(500, {remainingTokens: 0});
		expect(lazy.exact).toBe(true);
		expect(lazy.count(spec('hello'), 'gpt-5.4-mini')).toBe(7);
	});
});
