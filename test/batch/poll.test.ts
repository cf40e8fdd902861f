/** How a batch is watched: the schedule of looks on the injected clock, and which failures are retried. */
import {APIError} from 'openai';
import {describe, expect, test} from 'vitest';
import {ProviderError, waitForBatch, withRetries, type Batch} from '../../src/batch/poll.js';
import {ManualClock} from '../../src/core/clock.js';

const batch = (status: string, completed = 0): Batch => ({id: 'batch_1', status, request_counts: {total: 10, completed, failed: 0}}) as unknown as Batch;

/** Let the loop under test run until it sleeps, then move time to its next wake. */
async function drive(clock: ManualClock, until: () => boolean): Promise<void> {
	for (let i = 0; i < 200 && !until(); i++) {
		await new Promise(r => setImmediate(r));
		const next = clock.nextWakeAt();
		if (next !== null) await clock.advance(next - clock.now());
	}
	if (!until()) throw new Error('the loop under test did not finish');
}

describe('waitForBatch', () => {
	test('looks 1 s after each new status, then doubling up to 60 s while the status stays', async () => {
		const clock = new ManualClock();
		const answers = [batch('validating'), batch('in_progress', 1), ...Array.from({length: 8}, (_, i) => batch('in_progress', 1 + i)), batch('finalizing', 10), batch('completed', 10)];
		const looks: number[] = [];
		let ended: Batch | null = null;
		void waitForBatch(
			async () => {
				looks.push(clock.now());
				return answers.shift()!;
			},
			{policy: {clock}, sleep: ms => clock.sleep(ms), onBatch: () => {}},
		).then(b => (ended = b));
		await drive(clock, () => ended !== null);
		const gaps = looks.slice(1).map((t, i) => t - looks[i]!);
		expect(gaps).toEqual([1000, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 1000]);
		expect(ended!.status).toBe('completed');
	});
});

describe('withRetries', () => {
	test('a 429 waits at least what retry-after-ms asks, then tries again', async () => {
		const clock = new ManualClock();
		const tries: number[] = [];
		let result: string | null = null;
		void withRetries(
			'batches.retrieve',
			async () => {
				tries.push(clock.now());
				if (tries.length === 1) throw APIError.generate(429, {error: {message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded'}}, undefined, new Headers({'retry-after-ms': '2500'}));
				return 'ok';
			},
			{clock},
		).then(r => (result = r));
		await drive(clock, () => result !== null);
		expect(result).toBe('ok');
		expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(2500);
	});

	test('a 5xx is retried with backoff up to maxRetries, then stops with its error', async () => {
		const clock = new ManualClock();
		let tries = 0;
		let failure: unknown = null;
		void withRetries(
			'files.content',
			async () => {
				tries++;
				throw APIError.generate(503, {error: {message: 'overloaded', type: 'server_error', code: null}}, undefined, new Headers());
			},
			{clock, maxRetries: 3, backoff: {baseMs: 100, maxMs: 1000}},
		).catch(error => (failure = error));
		await drive(clock, () => failure !== null);
		expect(tries).toBe(4);
		expect(failure).toBeInstanceOf(ProviderError);
		expect((failure as ProviderError).info).toMatchObject({kind: 'server', status: 503});
	});

	test('a 401 is not retried: the run stops on it', async () => {
		const clock = new ManualClock();
		let tries = 0;
		const failure = await withRetries(
			'files.create',
			async () => {
				tries++;
				throw APIError.generate(401, {error: {message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key'}}, undefined, new Headers());
			},
			{clock},
		).catch(error => error as ProviderError);
		expect(tries).toBe(1);
		expect(failure.info.kind).toBe('auth');
		expect(failure.message).toMatch(/^files.create: Incorrect API key/);
	});
});
