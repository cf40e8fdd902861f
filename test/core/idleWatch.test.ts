/**
 * The idle-stream timeout measures the stream's silence, not the event loop's: a healthy
 * stream read by a process that was busy for a while is not aborted, and a stream that
 * really goes quiet still is.
 */
import {afterEach, expect, test} from 'vitest';
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
