import {describe, expect, test} from 'vitest';
import {AdaptiveConcurrency, MAX_CONCURRENCY} from '../../src/core/concurrency.js';

const state = {now: 0, user: 4, current: 4, pacedRpm: null, inFlight: 4, queued: 100};

function warmed(latencyMs: number, samples = 10): AdaptiveConcurrency {
	const adaptive = new AdaptiveConcurrency();
	for (let i = 0; i < samples; i++) adaptive.observeLatency(latencyMs);
	return adaptive;
}

describe('AdaptiveConcurrency', () => {
	test('with a rate to pace to, concurrency grows towards rate x latency with headroom, never below the user', () => {
		const adaptive = warmed(500);
		// 600 RPM = 10/s; 0.5 s each: 5 in flight, x1.5, +1 = 9 at most; doubling per latency.
		expect(adaptive.target({...state, now: 1000, current: 2, pacedRpm: 600})).toBe(4);
		expect(adaptive.target({...state, now: 1200, current: 4, pacedRpm: 600})).toBe(4);
		expect(adaptive.target({...state, now: 1600, current: 4, pacedRpm: 600})).toBe(8);
		expect(adaptive.target({...state, now: 2200, current: 8, pacedRpm: 600})).toBe(9);
		expect(adaptive.target({...state, now: 2800, current: 9, pacedRpm: 600})).toBe(9);
		expect(warmed(500).target({...state, now: 1000, user: 16, pacedRpm: 600})).toBe(16);
	});

	test('replies of different lengths (latency twice its best) do not stop growth', () => {
		const adaptive = warmed(500);
		for (let i = 0; i < 30; i++) adaptive.observeLatency(1000);
		expect(adaptive.target({...state, now: 5000, current: 4, pacedRpm: 6000})).toBe(8);
	});

	test('a huge allowed rate is a ceiling, not a jump to 1,024 sockets', () => {
		const adaptive = warmed(500);
		let current = 4;
		for (let now = 1000; now < 10_000; now += 600) current = adaptive.target({...state, now, current, pacedRpm: 60_000_000});
		expect(current).toBe(MAX_CONCURRENCY);
		expect(warmed(500).target({...state, now: 1000, pacedRpm: 60_000_000})).toBe(8);
	});

	test('with a rate known, latency far past its baseline stops growth and gives slots back', () => {
		const adaptive = warmed(500);
		for (let i = 0; i < 60; i++) adaptive.observeLatency(2500);
		expect(adaptive.target({...state, now: 9000, current: 40, pacedRpm: 60_000_000})).toBe(32);
		expect(adaptive.target({...state, now: 9000, current: 4, pacedRpm: 60_000_000})).toBe(4);
	});

	test('with no rate known it grows one slot a latency while every slot is busy and latency holds', () => {
		const adaptive = warmed(500);
		expect(adaptive.target({...state, now: 1000})).toBe(5);
		// Not again within one latency.
		expect(adaptive.target({...state, now: 1200, current: 5, inFlight: 5})).toBe(5);
		expect(adaptive.target({...state, now: 1600, current: 5, inFlight: 5})).toBe(6);
	});

	test('it does not grow when slots wait on the limiter, the queue is empty, or latency rises', () => {
		expect(warmed(500).target({...state, now: 1000, inFlight: 2})).toBe(4);
		expect(warmed(500).target({...state, now: 1000, queued: 0})).toBe(4);
		const slowing = warmed(500);
		for (let i = 0; i < 20; i++) slowing.observeLatency(1000);
		expect(slowing.target({...state, now: 1000})).toBe(4);
	});

	test('before any latency is known it keeps what it has', () => {
		expect(new AdaptiveConcurrency().target({...state, pacedRpm: 600})).toBe(4);
	});
});
