/**
 * What a flowing reply may be quiet for, learned from healthy ones: nothing before enough
 * replies are in, a floor for fast servers, ten times the 99th percentile for slow ones,
 * never past the idle timeout, and one odd reply does not move it.
 */
import {expect, test} from 'vitest';
import {StreamGaps} from '../../src/core/streamGaps.js';

const learned = (gaps: number[]): StreamGaps => {
	const streams = new StreamGaps();
	for (const gap of gaps) streams.record(gap);
	return streams;
};

test('until enough replies have completed, a flowing reply gets the whole idle timeout', () => {
	expect(learned(Array(31).fill(20)).flowingIdleMs(20_000)).toBe(20_000);
	expect(learned(Array(32).fill(20)).flowingIdleMs(20_000)).toBe(5000);
});

test('a fast server gets the floor; a slow one ten times its pauses, capped by the idle timeout', () => {
	expect(learned(Array(40).fill(20)).flowingIdleMs(20_000)).toBe(5000);
	expect(learned(Array(40).fill(1500)).flowingIdleMs(20_000)).toBe(15_000);
	expect(learned(Array(40).fill(1500)).flowingIdleMs(10_000)).toBe(10_000);
	// A shorter idle timeout than the floor is the user's word.
	expect(learned(Array(40).fill(20)).flowingIdleMs(300)).toBe(300);
});

test('one reply with a long pause among many does not lengthen the watch; pauses that are common do', () => {
	expect(learned([...Array(255).fill(20), 30_000]).flowingIdleMs(60_000)).toBe(5000);
	expect(learned([...Array(200).fill(20), ...Array(56).fill(3000)]).flowingIdleMs(60_000)).toBe(30_000);
});

test('only the latest replies count: a server that became slow is learned again', () => {
	const streams = learned(Array(256).fill(20));
	for (let i = 0; i < 256; i++) streams.record(1000);
	expect(streams.flowingIdleMs(60_000)).toBe(10_000);
});
