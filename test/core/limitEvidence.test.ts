import {describe, expect, test} from 'vitest';
import {LimitEvidence, START_ANSWERS, WATCH_ANSWERS, type RateLimitVerdict} from '../../src/core/limitEvidence.js';

/**
 * Feed answers: 'o' a success, 'x' a bare 429, one ms apart from `start`. Returns the
 * verdict of each 429, in order.
 */
function feed(evidence: LimitEvidence, pattern: string, start = 0): RateLimitVerdict[] {
	const verdicts: RateLimitVerdict[] = [];
	[...pattern].forEach((answer, i) => {
		if (answer === 'o') evidence.observeSuccess(start + i);
		else verdicts.push(evidence.observe429(start + i));
	});
	return verdicts;
}

/** A fixed pseudo-random pattern (xorshift32): `rate` of the answers are 429s, scattered. */
function scattered(length: number, rate: number, seed: number): string {
	let state = (Math.imul(seed + 0x9e3779b9, 0x85ebca6b) ^ 0xdeadbeef) >>> 0 || 1;
	let out = '';
	for (let i = 0; i < length; i++) {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >> 17;
		state ^= state << 5;
		state >>>= 0;
		out += state / 4_294_967_296 < rate ? 'x' : 'o';
	}
	return out;
}

describe('LimitEvidence', () => {
	test('a lone 429 among successes is a blip', () => {
		const evidence = new LimitEvidence();
		expect(feed(evidence, 'o'.repeat(60) + 'x' + 'o'.repeat(30) + 'x')).toEqual(['blip', 'blip']);
	});

	test('blips scattered at 3 % read as a limit once in hundreds of them at most', () => {
		const verdicts = [1, 2, 3, 4, 5, 6, 7, 8].flatMap(seed => feed(new LimitEvidence(), scattered(5000, 0.03, seed)));
		expect(verdicts.length).toBeGreaterThan(1000);
		expect(verdicts.filter(v => v === 'limit').length).toBeLessThan(verdicts.length / 300);
	});

	test('four 429s in twenty answers show a limit', () => {
		const evidence = new LimitEvidence();
		feed(evidence, 'o'.repeat(START_ANSWERS));
		expect(feed(evidence, 'oooxooooxooooxooooxo')).toEqual(['blip', 'blip', 'blip', 'limit']);
	});

	test('three 429s in a row after a success show a limit: a client that ran into one meets it with every request in flight', () => {
		const evidence = new LimitEvidence();
		expect(feed(evidence, 'ooooxxx')).toEqual(['blip', 'blip', 'limit']);
	});

	test("a run's first answers are its 429s, which come back before any reply: they show nothing yet", () => {
		const evidence = new LimitEvidence();
		expect(feed(evidence, 'xxxxx')).toEqual(['blip', 'blip', 'blip', 'blip', 'blip']);
		// Four 429s among the first answers, with a few successes: too early to count.
		expect(feed(new LimitEvidence(), 'oxoxoxox')).toEqual(['blip', 'blip', 'blip', 'blip']);
	});

	test('a server that blipped before needs more 429s to show a limit', () => {
		const evidence = new LimitEvidence();
		// 3 % before the window: four in twenty is what such a server does by chance now and then.
		feed(evidence, ('o'.repeat(32) + 'x').repeat(7) + 'o'.repeat(20));
		expect(evidence.baselineShare()).toBeGreaterThan(0.02);
		expect(feed(evidence, 'oooxooooxooooxooooxo')).toEqual(['blip', 'blip', 'blip', 'blip']);
		expect(feed(evidence, 'xx')).toContain('limit');
	});

	test('after a cut, a 429 among the answers that follow says the cut was not enough; later ones are the edge', () => {
		const evidence = new LimitEvidence();
		feed(evidence, 'o'.repeat(START_ANSWERS) + 'xxx');
		evidence.cut('limit');
		expect(feed(evidence, 'oooox')).toEqual(['after-cut']);
		evidence.cut('after-cut');
		expect(feed(evidence, 'o'.repeat(WATCH_ANSWERS) + 'x')).toEqual(['edge']);
	});

	test('after-cut cuts stop after two, so blips after a mistaken cut cannot chain far', () => {
		const evidence = new LimitEvidence();
		feed(evidence, 'o'.repeat(START_ANSWERS) + 'xxx');
		evidence.cut('limit');
		expect(feed(evidence, 'ox')).toEqual(['after-cut']);
		evidence.cut('after-cut');
		expect(feed(evidence, 'ox')).toEqual(['after-cut']);
		evidence.cut('after-cut');
		expect(feed(evidence, 'ox')).toEqual(['edge']);
	});

	test('after a cut, 429s no more frequent than the blips before it are still blips', () => {
		const evidence = new LimitEvidence();
		// 5 % blips before any limit showed...
		feed(evidence, ('o'.repeat(19) + 'x').repeat(12));
		feed(evidence, 'xxx');
		evidence.cut('limit');
		// ...and at that share after the cut, past its watch: blips, not the edge.
		const after = feed(evidence, 'o'.repeat(WATCH_ANSWERS) + ('o'.repeat(19) + 'x').repeat(5));
		expect(after.every(v => v === 'blip')).toBe(true);
		// Many close together are a limit again.
		expect(feed(evidence, 'oxxoxxoxx')).toContain('limit');
	});

	test('the refused share is that of the latest answers', () => {
		const evidence = new LimitEvidence();
		feed(evidence, 'o'.repeat(30) + 'oooooooooooooooxxxxo');
		expect(evidence.refusedShare(60)).toBeCloseTo(0.2);
	});

	test('answers older than a minute say nothing about the rate now', () => {
		const evidence = new LimitEvidence();
		feed(evidence, 'o'.repeat(START_ANSWERS) + 'oxoxox');
		expect(evidence.limitedCount(1000)).toBe(3);
		expect(evidence.limitedCount(61_000)).toBe(0);
	});
});
