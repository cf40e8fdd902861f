import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {capsFor, chunkText, MAX_ROUNDS, MIN_PIECE_TOKENS, planCondensing, splitForCondensing} from '../../src/core/condense.js';
import {countText} from '../../src/core/tokens.js';

const MODEL = 'gpt-5.4-mini';
const tokens = (text: string) => countText(text, MODEL);
const document = (paragraphs: number) =>
	Array.from({length: paragraphs}, (_, i) => `Paragraph ${i + 1}. ` + 'The river ran past the old mill, and the miller counted 42 sacks of grain. '.repeat(6)).join('\n\n');

describe('chunkText', () => {
	it('cuts on paragraph boundaries when paragraphs fit, each chunk within the budget', () => {
		const text = document(30);
		const chunks = chunkText(text, 400, MODEL);
		expect(chunks.join('')).toBe(text);
		expect(chunks.length).toBeGreaterThan(1);
		for (const chunk of chunks) expect(tokens(chunk)).toBeLessThanOrEqual(400);
		// Every chunk but the last ends where a paragraph does.
		for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/\n\n$/);
	});

	it('falls back to sentences inside a paragraph too long for one chunk, then to tokens', () => {
		const paragraph = 'One short sentence here. '.repeat(200);
		const sentences = chunkText(paragraph, 50, MODEL);
		expect(sentences.join('')).toBe(paragraph);
		for (const chunk of sentences) {
			expect(tokens(chunk)).toBeLessThanOrEqual(50);
			expect(chunk).toMatch(/\. $/);
		}
		const unbroken = 'x'.repeat(5000);
		const cut = chunkText(unbroken, 40, MODEL);
		expect(cut.join('')).toBe(unbroken);
		for (const chunk of cut) expect(tokens(chunk)).toBeLessThanOrEqual(40);
	});

	it('property: the chunks cover the whole text, in order, each within the budget', () => {
		const piece = fc.oneof(
			fc.constantFrom('. ', '\n\n', '\n', ' ', 'é', '日本語', '👍🏽', '<|endoftext|>', '42', 'A.', '?!'),
			fc.string({minLength: 1, maxLength: 30}),
			fc.stringMatching(/^[a-z]{1,12}$/),
		);
		fc.assert(
			fc.property(fc.array(piece, {maxLength: 120}), fc.integer({min: 8, max: 120}), (pieces, max) => {
				const text = pieces.join('');
				const chunks = chunkText(text, max, MODEL);
				expect(chunks.join('')).toBe(text);
				for (const chunk of chunks) {
					expect(chunk).not.toBe('');
					expect(tokens(chunk)).toBeLessThanOrEqual(max);
				}
			}),
			{numRuns: 300},
		);
	});
});

describe('splitForCondensing', () => {
	it('condenses only a jsonl context, the prompt kept to go first', () => {
		const split = splitForCondensing({input: 'What did the miller count?\n\nLong passage.', context: 'Long passage.'});
		expect(typeof split).toBe('object');
		if (typeof split === 'string') return;
		expect(split.kind).toBe('context');
		expect(split.long).toBe('Long passage.');
		expect(split.rebuild('Short.')).toBe('What did the miller count?\n\nShort.');
	});

	it('condenses a plain prompt whole', () => {
		const split = splitForCondensing({input: 'all of it'});
		if (typeof split === 'string') throw new Error(split);
		expect(split.kind).toBe('prompt');
		expect(split.rebuild('less')).toBe('less');
	});

	it('keeps the system and developer items and the last user item of a conversation, the turns between becoming one item', () => {
		const system = {role: 'system', content: 'Be terse.'};
		const developer = {role: 'developer', content: [{type: 'input_text', text: 'Cite lines.'}]};
		const last = {role: 'user', content: [{type: 'input_text', text: 'So what now?'}]};
		const input = [system, {role: 'user', content: 'Hi'}, {role: 'assistant', content: 'Hello'}, developer, {role: 'user', content: 'Plan a trip'}, last];
		const split = splitForCondensing({input});
		if (typeof split === 'string') throw new Error(split);
		expect(split.kind).toBe('conversation');
		expect(split.long).toBe('user: Hi\n\nassistant: Hello\n\nuser: Plan a trip');
		const rebuilt = split.rebuild('They said hi and asked for a trip.') as unknown[];
		expect(rebuilt).toEqual([system, {role: 'user', content: 'The earlier conversation, condensed:\n\nThey said hi and asked for a trip.'}, developer, last]);
		expect(rebuilt[3]).toBe(last);
	});

	it('says why a conversation with no turns between cannot be condensed', () => {
		expect(splitForCondensing({input: [{role: 'system', content: 's'}, {role: 'user', content: 'only this'}]})).toMatch(/nothing to condense/);
	});
});

describe('planCondensing', () => {
	it('plans one round when the pieces at their caps fit the target', () => {
		const text = document(40);
		const plan = planCondensing(text, {target: 1500, chunk: 900, model: MODEL});
		if (!plan.ok) throw new Error(plan.reason);
		expect(plan.rounds).toBe(1);
		expect(plan.calls.length).toBe(plan.first.chunks.length);
		const worst = plan.first.caps.reduce((a, b) => a + b, 0) + (plan.first.caps.length - 1) * 2;
		expect(worst).toBeLessThanOrEqual(1500);
	});

	it('plans more rounds when a fair share of the target is too small for a useful piece', () => {
		const text = document(200);
		const plan = planCondensing(text, {target: 300, chunk: 1000, model: MODEL});
		if (!plan.ok) throw new Error(plan.reason);
		expect(plan.rounds).toBeGreaterThan(1);
		expect(plan.calls.length).toBeGreaterThan(plan.first.chunks.length);
	});

	it('refuses a room too small to work in, saying which', () => {
		expect(planCondensing('x', {target: 10, chunk: 1000, model: MODEL})).toEqual({ok: false, reason: expect.stringMatching(/verbatim leave 10 tokens/)});
		expect(planCondensing('x', {target: 1000, chunk: 20, model: MODEL})).toEqual({ok: false, reason: expect.stringMatching(/leaves 20 tokens for its chunk/)});
		const huge = document(3000);
		expect(planCondensing(huge, {target: MIN_PIECE_TOKENS, chunk: 200, model: MODEL})).toEqual({ok: false, reason: expect.stringContaining(`${MAX_ROUNDS} rounds`)});
	});

	it('caps: a fair share of the target, at most half the chunk, never under the API minimum', () => {
		expect(capsFor([1000, 1000], 1004)).toEqual([500, 500]);
		expect(capsFor([1000, 20], 10_000)).toEqual([500, 16]);
		expect(capsFor(Array(100).fill(1000), 1000)).toEqual(Array(100).fill(MIN_PIECE_TOKENS));
	});
});
