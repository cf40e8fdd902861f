import {countTokens} from 'gpt-tokenizer';
import {describe, expect, it} from 'vitest';
import {Rng} from '../../src/sim/random.js';
import {countInputTokens, generatePieces} from '../../src/sim/text.js';

describe('generated output', () => {
	it('is exactly one token per piece, so usage and the cap are exact', () => {
		for (let seed = 1; seed <= 200; seed++) {
			const count = 1 + (seed * 7) % 300;
			const pieces = generatePieces(new Rng(seed), count);
			expect(pieces).toHaveLength(count);
			expect(countTokens(pieces.join(''))).toBe(count);
		}
	});

	it('reads like sentences', () => {
		const text = generatePieces(new Rng(7), 40).join('');
		expect(text).toMatch(/^[A-Z][a-z]+( [A-Za-z]+|,|\.)+/);
	});
});

describe('input token counting (openai-wire.md §8)', () => {
	it('matches the recorded bills for gpt-4o-mini', () => {
		expect(countInputTokens('Say hi in three words.', null, false)).toBe(13);
		expect(countInputTokens('My favourite colour is teal. Reply OK.', null, false)).toBe(16);
		expect(countInputTokens('hi', null, false)).toBe(8);
	});

	it('adds the gpt-5 preamble and counts instructions as one more message', () => {
		expect(countInputTokens('17*23', null, true)).toBe(19);
		expect(countInputTokens('hi', 'Be brief.', false)).toBe(8 + 4 + 3);
	});

	it('counts message arrays and survives special-token text', () => {
		const items = [{role: 'user', content: [{type: 'input_text', text: 'hi'}]}];
		expect(countInputTokens(items, null, false)).toBe(8);
		expect(countInputTokens('<|endoftext|>', null, false)).toBeGreaterThan(7);
	});
});
