/** `--concurrency auto` as a pure policy: state in, a number out; no server, no clock. */
import {describe, expect, test} from 'vitest';
import {AdaptiveConcurrency, AUTO_START, DEFAULT_MAX_CONCURRENCY} from '../../src/core/concurrency.js';

const state = {now: 0, current: 4, pacedRpm: null, inFlight: 4, queued: 100};

function warmed(latencyMs: number, options: {max?: number} = {}, samples = 10): AdaptiveConcurrency {
	const adaptive = new AdaptiveConcurrency(options);
	for (let i = 0; i < samples; i++) adaptive.observeLatency(latencyMs);
	return adaptive;
}

describe('AdaptiveConcurrency', () => {
	test('starts small, and never above its ceiling', () => {
		expect(new AdaptiveConcurrency().start).toBe(AUTO_START);
		expect(AUTO_START).toBe(4);
		expect(new AdaptiveConcurrency().max).toBe(DEFAULT_MAX_CONCURRENCY);
		expect(DEFAULT_MAX_CONCURRENCY).toBe(64);
		expect(new AdaptiveConcurrency({max: 2}).start).toBe(2);
		expect(() => new AdaptiveConcurrency({max: 0})).toThrow(RangeError);
		expect(() => new AdaptiveConcurrency({max: 2.5})).toThrow(/whole number/);
	});

	test('with a rate to pace to, it doubles per latency towards rate x latency with headroom', () => {
		const adaptive = warmed(500);
		// 600 RPM = 10/s; 0.5 s each: 5 in flight, x1.5, +1 = 9 at most; doubling per latency.
		expect(adaptive.target({...state, now: 1000, current: 2, pacedRpm: 600})).toBe(4);
		expect(adaptive.target({...state, now: 1200, current: 4, pacedRpm: 600})).toBe(4);
		expect(adaptive.target({...state, now: 1600, current: 4, pacedRpm: 600})).toBe(8);
		expect(adaptive.target({...state, now: 2200, current: 8, pacedRpm: 600})).toBe(9);
		expect(adaptive.target({...state, now: 2800, current: 9, pacedRpm: 600})).toBe(9);
	});

	test('above what the rate can use, it comes down at once', () => {
		expect(warmed(500).target({...state, now: 1000, current: 30, pacedRpm: 600})).toBe(9);
	});

	test('replies of different lengths (latency twice its best) do not stop growth', () => {
		const adaptive = warmed(500);
		for (let i = 0; i < 30; i++) adaptive.observeLatency(1000);
		expect(adaptive.target({...state, now: 5000, current: 4, pacedRpm: 6000})).toBe(8);
	});

	test('a huge allowed rate is a target, not a jump: it climbs to --max-concurrency and stops there', () => {
		const adaptive = warmed(500);
		let current = 4;
		const seen: number[] = [];
		for (let now = 1000; now < 10_000; now += 600) {
			current = adaptive.target({...state, now, current, pacedRpm: 60_000_000});
			seen.push(current);
		}
		expect(seen.slice(0, 5)).toEqual([8, 16, 32, 64, 64]);
		expect(Math.max(...seen)).toBe(64);
		expect(warmed(500, {max: 10}).target({...state, now: 1000, current: 8, pacedRpm: 60_000_000})).toBe(10);
		expect(warmed(500, {max: 10}).target({...state, now: 1000, current: 40, pacedRpm: 60_000_000})).toBe(10);
	});

	test('with a rate known, latency far past its best gives slots back, down to 1 and no lower', () => {
		const adaptive = warmed(500);
		for (let i = 0; i < 60; i++) adaptive.observeLatency(2500);
		expect(adaptive.target({...state, now: 9000, current: 40, pacedRpm: 60_000_000})).toBe(32);
		// Once per latency period, not on every look.
		expect(adaptive.target({...state, now: 9100, current: 32, pacedRpm: 60_000_000})).toBe(32);
		expect(adaptive.target({...state, now: 12_000, current: 1, pacedRpm: 60_000_000})).toBe(1);
	});

	test('with no rate known it grows one slot a latency while every slot is busy and latency holds', () => {
		const adaptive = warmed(500);
		expect(adaptive.target({...state, now: 1000})).toBe(5);
		// Not again within one latency.
		expect(adaptive.target({...state, now: 1200, current: 5, inFlight: 5})).toBe(5);
		expect(adaptive.target({...state, now: 1600, current: 5, inFlight: 5})).toBe(6);
	});

	test('with no rate known it never passes --max-concurrency', () => {
		const adaptive = warmed(500, {max: 6});
		let current = 4;
		for (let now = 1000; now < 20_000; now += 600) current = adaptive.target({...state, now, current, inFlight: current});
		expect(current).toBe(6);
	});

	test('it does not grow when slots wait on the limiter, the queue is empty, or latency rises', () => {
		expect(warmed(500).target({...state, now: 1000, inFlight: 2})).toBe(4);
		expect(warmed(500).target({...state, now: 1000, queued: 0})).toBe(4);
		const slowing = warmed(500);
		for (let i = 0; i < 20; i++) slowing.observeLatency(1000);
		expect(slowing.target({...state, now: 1000})).toBe(4);
	});

	test('with no rate known, a server that saturates (latency 4x its best) gets fewer requests', () => {
		const saturated = warmed(200);
		for (let i = 0; i < 60; i++) saturated.observeLatency(2000);
		expect(saturated.target({...state, now: 5000, current: 20, inFlight: 20})).toBe(16);
	});

	test('before any latency is known it keeps what it has (within its bounds)', () => {
		expect(new AdaptiveConcurrency().target({...state, pacedRpm: 600})).toBe(4);
		expect(new AdaptiveConcurrency({max: 8}).target({...state, current: 100})).toBe(8);
	});
});
