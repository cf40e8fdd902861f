/**
 * The idle-stream timeout measures the stream's silence, not the event loop's: a healthy
 * stream read by a process that was busy for a while is not aborted, and a stream that
 * really goes quiet still is; once a client has seen healthy replies, one that stops
 * mid-way is stopped long before a generous idle timeout.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {ChatClient} from '../../src/core/chatClient.js';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import {AttemptTimeoutError} from '../../src/core/errors.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';

let sim: Simulator | null = null;
afterEach(async () => {
	await sim?.close();
	sim = null;
});

/** Keep the event loop busy, as a loaded machine or a long garbage collection would. */
function blockLoop(ms: number): void {
	const until = performance.now() + ms;
	while (performance.now() < until) {
		// spin
	}
}

test('a healthy stream is not aborted when the event loop was blocked for longer than the idle timeout', async () => {
	// Replies stream a token every few ms for a few hundred ms.
	sim = await startSimulator({profile: 'calm', seed: 4, latencyScale: 3, rpm: Infinity, tpm: Infinity});
	const client = new ResponsesClient({apiKey: 'sk-idle-test', baseURL: sim.url});
	let blocked = false;
	const result = await client.attempt(
		{model: 'gpt-5.4-mini', input: 'Write a few sentences about token buckets.', maxOutputTokens: 64},
		{
			idleTimeoutMs: 150,
			onDelta: () => {
				if (blocked) return;
				blocked = true;
				// Other work of this process (a timer of its own, not the stream's reading) keeps the
				// loop busy well past the idle timeout while the server goes on sending.
				setTimeout(() => blockLoop(500), 0);
			},
		},
	);
	expect(blocked).toBe(true);
	expect(result.status).toMatch(/completed|incomplete/);
	expect(result.text.length).toBeGreaterThan(0);
});

test('a stream that goes quiet is stopped as an idle timeout, not before its idle time', async () => {
	sim = await startSimulator({profile: 'calm', seed: 4, latencyScale: 0, rpm: Infinity, tpm: Infinity, faults: {stall: 1}});
	const client = new ResponsesClient({apiKey: 'sk-idle-test', baseURL: sim.url});
	let headersAt = 0;
	const started = performance.now();
	const error = await client
		.attempt(
			{model: 'gpt-5.4-mini', input: 'Anything.', maxOutputTokens: 64},
			{idleTimeoutMs: 200, onHeaders: () => (headersAt = performance.now())},
		)
		.then(
			() => null,
			(e: unknown) => e,
		);
	expect(error).toBeInstanceOf(AttemptTimeoutError);
	expect((error as AttemptTimeoutError).message).toMatch(/idle/);
	expect(headersAt).toBeGreaterThan(0);
	expect(performance.now() - Math.max(headersAt, started)).toBeGreaterThanOrEqual(200);
});

describe.each([
	['Responses', (baseURL: string) => new ResponsesClient({apiKey: 'sk-idle-test', baseURL})],
	['Chat Completions', (baseURL: string) => new ChatClient({apiKey: 'sk-idle-test', baseURL})],
])('%s: a reply that stops mid-way', (_api, makeClient) => {
	test('is stopped as stalled once the client has seen healthy replies, well inside a long idle timeout', async () => {
		// One reply in five stalls mid-way (after a share of its 12+ tokens); the rest stream at once (latency 0).
		sim = await startSimulator({profile: 'calm', seed: 9, latencyScale: 0, rpm: Infinity, tpm: Infinity, faults: {stall: 0.2}});
		const client = makeClient(sim.url);
		const attempt = (i: number, idleTimeoutMs: number) =>
			client.attempt({model: 'gpt-5.4-mini', input: `Prompt ${i}: a few words on streams.`, maxOutputTokens: 256}, {idleTimeoutMs}).then(
				() => null,
				(e: unknown) => e as AttemptTimeoutError,
			);
		// Healthy replies to learn from; a stall among them ends at its short idle timeout.
		let i = 0;
		let healthy = 0;
		let learningStalls = 0;
		while (healthy < 40) {
			const error = await attempt(i++, 300);
			if (error == null) healthy++;
			else {
				expect(error.reason).toBe('idle');
				learningStalls++;
			}
			if (i > 400) throw new Error(`waited for 40 healthy replies: ${healthy} in ${i} attempts`);
		}
		expect(learningStalls).toBeGreaterThan(0);
		// Now with a minute of idle timeout: the next stall ends after the learned watch
		// (at least its 5 s floor), as `stalled`.
		for (;;) {
			const started = performance.now();
			const error = await attempt(i++, 60_000);
			if (error == null) {
				if (i > 800) throw new Error('waited for a stalled reply: none came');
				continue;
			}
			expect(error).toBeInstanceOf(AttemptTimeoutError);
			expect(error.reason).toBe('stalled');
			expect(error.message).toMatch(/stopped mid-way/);
			expect(performance.now() - started).toBeGreaterThanOrEqual(5000);
			break;
		}
	}, 60_000);
});
