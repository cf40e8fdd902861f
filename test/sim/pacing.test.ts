import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {client, sim} from './helpers.js';

const body = {model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 64};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = {ok: true; headers: Headers} | {ok: false; error: InstanceType<typeof OpenAI.APIError>};

async function attempt(api: OpenAI, input = 'hello'): Promise<Outcome> {
	try {
		const {response} = await api.responses.create({...body, input}).withResponse();
		return {ok: true, headers: response.headers};
	} catch (error) {
		if (error instanceof OpenAI.APIError) return {ok: false, error};
		throw error;
	}
}

describe('enforced rate limits', () => {
	it('60 RPM: a burst gets 429s beyond the one-second allowance, with the true wait', async () => {
		const simulator = await sim({rpm: 60, tpm: 10_000_000});
		const api = client(simulator);
		const started = performance.now();
		const outcomes = await Promise.all(Array.from({length: 20}, (_, i) => attempt(api, `p${i}`)));
		const elapsed = performance.now() - started;
		const refused = outcomes.filter((o) => !o.ok);
		const passed = outcomes.length - refused.length;
		// The one-second allowance (1 request) at least, and no more than refilled meanwhile
		// (one a second): bounds that hold however slowly the requests arrive.
		expect(passed).toBeGreaterThanOrEqual(1);
		expect(passed).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 1000));
		expect(refused.length).toBeGreaterThan(0);
		for (const outcome of refused) {
			if (outcome.ok) continue;
			expect(outcome.error).toBeInstanceOf(OpenAI.RateLimitError);
			expect(outcome.error.type).toBe('requests');
			expect(outcome.error.code).toBe('rate_limit_exceeded');
			expect(outcome.error.message).toMatch(/on requests per min \(RPM\): Limit 60, Used \d+, Requested 1\. Please try again in \d+(\.\d+)?m?s\./);
			expect(Number(outcome.error.headers?.get('retry-after-ms'))).toBeGreaterThan(0);
			expect(outcome.error.headers?.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/);
		}
		expect(simulator.stats().rateLimitedRequests).toBe(refused.length);
	});

	it('countRejected: refused requests use up budget, so hammering is punished', async () => {
		// 60 RPM with a 5 s burst: five at once, then one a second.
		const api = client(await sim({rpm: 60, tpm: 10_000_000, burstMs: 5000, countRejected: true}));
		const outcomes = await Promise.all(Array.from({length: 20}, (_, i) => attempt(api, `p${i}`)));
		const waits = outcomes.flatMap((o) => (o.ok ? [] : [Number(o.error.headers?.get('retry-after-ms'))]));
		expect(waits.length).toBeGreaterThan(0);
		// Uncounted, one request is never more than a second away at 60 RPM; each counted
		// refusal pushes the next one's wait further out (up to one burst of debt).
		expect(Math.max(...waits)).toBeGreaterThan(1000);
		expect(Math.max(...waits)).toBeLessThanOrEqual(6000);
	});

	it('600 RPM: requests spaced 110 ms apart all pass; back to back, never more than one per 100 ms', async () => {
		const simulator = await sim({rpm: 600, tpm: 10_000_000, burstMs: 100});
		const api = client(simulator);
		const spaced: Outcome[] = [];
		for (let i = 0; i < 5; i++) {
			spaced.push(await attempt(api, `s${i}`));
			await sleep(110);
		}
		expect(spaced.every((o) => o.ok)).toBe(true);
		let passed = 0;
		let sent = 0;
		const started = performance.now();
		while (performance.now() - started < 500) {
			if ((await attempt(api, `c${sent++}`)).ok) passed++;
		}
		const elapsed = performance.now() - started;
		// At most one per 100 ms of the window (plus the one the bucket held), never a minute's
		// 600 at once; how many more the loop could send depends on the machine, not the limit.
		expect(passed).toBeGreaterThanOrEqual(1);
		expect(passed).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
	});

	it('waiting out retry-after-ms is enough to get through', async () => {
		const api = client(await sim({rpm: 120, tpm: 10_000_000, burstMs: 500}));
		expect((await attempt(api, 'a')).ok).toBe(true);
		const refused = await attempt(api, 'b');
		if (refused.ok) throw new Error('expected a 429');
		const waitMs = Number(refused.error.headers?.get('retry-after-ms'));
		// Half a second to refill one request, less whatever passed since the first.
		expect(waitMs).toBeGreaterThan(0);
		expect(waitMs).toBeLessThanOrEqual(500);
		expect(refused.error.headers?.get('retry-after')).toBe('1');
		await sleep(waitMs);
		expect((await attempt(api, 'b')).ok).toBe(true);
	});

	it('TPM is charged at admission with input + max_output_tokens', async () => {
		// 6000 TPM -> a 100-token burst; each request estimates 8 + 64 = 72 tokens.
		const api = client(await sim({rpm: 100_000, tpm: 6000}));
		const [first, second] = await Promise.all([attempt(api, 'hello'), attempt(api, 'hello')]);
		expect(first.ok).toBe(true);
		if (second.ok) throw new Error('expected a 429');
		expect(second.error.type).toBe('tokens');
		expect(second.error.message).toMatch(/on tokens per min \(TPM\): Limit 6000, Used 72, Requested 72\./);
		if (first.ok) {
			expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('6000');
			expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('5928');
			expect(first.headers.get('x-ratelimit-reset-tokens')).toBe('720ms');
		}
	});

	it('one request over the whole TPM limit: 429 "Request too large", no retry-after', async () => {
		const api = client(await sim({tpm: 30_000}));
		const outcome = await attempt(api, 'x'.repeat(10));
		expect(outcome.ok).toBe(true);
		try {
			await api.responses.create({...body, max_output_tokens: 30_000});
			throw new Error('expected a 429');
		} catch (error) {
			if (!(error instanceof OpenAI.RateLimitError)) throw error;
			expect(error.code).toBe('rate_limit_exceeded');
			expect(error.type).toBe('tokens');
			expect(error.message).toBe(
				'429 Request too large for gpt-4o-mini in organization org-sim on tokens per min (TPM): Limit 30000, Requested 30008. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.',
			);
			expect(error.headers?.get('retry-after')).toBeNull();
		}
	});

	it('rateLimitHeaders: false sends 429s with retry-after but no x-ratelimit-*', async () => {
		const api = client(await sim({rpm: 60, rateLimitHeaders: false}));
		const ok = await attempt(api, 'a');
		const refused = await attempt(api, 'b');
		if (!ok.ok || refused.ok) throw new Error('expected one success then a 429');
		expect([...ok.headers.keys()].filter((k) => k.startsWith('x-ratelimit'))).toEqual([]);
		expect([...(refused.error.headers?.keys() ?? [])].filter((k) => k.startsWith('x-ratelimit'))).toEqual([]);
		expect(refused.error.headers?.get('retry-after')).toBe('1');
	});

	it('retryAfter: false drops retry-after and retry-after-ms', async () => {
		const api = client(await sim({rpm: 60, retryAfter: false}));
		await attempt(api, 'a');
		const refused = await attempt(api, 'b');
		if (refused.ok) throw new Error('expected a 429');
		expect(refused.error.headers?.get('retry-after')).toBeNull();
		expect(refused.error.headers?.get('retry-after-ms')).toBeNull();
		expect(refused.error.headers?.get('x-ratelimit-limit-requests')).toBe('60');
	});
});
