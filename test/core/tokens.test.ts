import {readFileSync} from 'node:fs';
import fc from 'fast-check';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import {describe, expect, it} from 'vitest';
import {
	countInputTokens,
	countText,
	fitInputToTokens,
	encodingFor,
	preambleTokens,
	reservationTokens,
	truncateToTokens,
} from '../../src/core/tokens.js';

interface TiktokenCase {
	name: string;
	text: string;
	o200k_base: number;
	cl100k_base: number;
}

// Numbers computed with tiktoken (the WASM port on npm), not with gpt-tokenizer.
const fixture = JSON.parse(
	readFileSync(new URL('../fixtures/tokens/tiktoken-counts.json', import.meta.url), 'utf8'),
) as {cases: TiktokenCase[]};

describe('encodingFor', () => {
	it.each([
		['gpt-4o', 'o200k_base'],
		['gpt-4o-mini-2024-07-18', 'o200k_base'],
		['chatgpt-4o-latest', 'o200k_base'],
		['gpt-4.1-mini', 'o200k_base'],
		['gpt-4.5-preview', 'o200k_base'],
		['gpt-5', 'o200k_base'],
		['gpt-5.4-mini-2026-03-17', 'o200k_base'],
		['o1', 'o200k_base'],
		['o3-mini', 'o200k_base'],
		['o4-mini', 'o200k_base'],
		['some-future-model', 'o200k_base'],
		['gpt-4', 'cl100k_base'],
		['gpt-4-turbo', 'cl100k_base'],
		['gpt-4-0613', 'cl100k_base'],
		['gpt-3.5-turbo', 'cl100k_base'],
		['ft:gpt-3.5-turbo:acme::abc123', 'cl100k_base'],
		['ft:gpt-4o-mini:acme::abc123', 'o200k_base'],
		['gpt-oss-20b', 'o200k_harmony'],
		['openai/gpt-oss-120b', 'o200k_harmony'],
	])('%s uses %s', (model, encoding) => {
		expect(encodingFor(model)).toBe(encoding);
	});
});

describe('countText matches tiktoken', () => {
	it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
		expect(countText(c.text, 'gpt-4o')).toBe(c.o200k_base);
		expect(countText(c.text, 'gpt-4')).toBe(c.cl100k_base);
	});

	it('counts special-token-like text as plain text instead of throwing', () => {
		expect(() => countText('<|endoftext|>', 'gpt-5')).not.toThrow();
		expect(countText('<|endoftext|>', 'gpt-5')).toBeGreaterThan(1);
	});
});

describe('countInputTokens', () => {
	it('matches billed usage recorded for gpt-4o-mini (chat formula: content + 7)', () => {
		expect(countInputTokens({text: 'Say hi in three words.'}, 'gpt-4o-mini')).toBe(13);
		expect(countInputTokens({text: 'My favourite colour is teal. Reply OK.'}, 'gpt-4o-mini')).toBe(16);
		expect(countInputTokens({text: 'hi'}, 'gpt-4o-mini')).toBe(8);
	});

	it('adds the gpt-5 family preamble', () => {
		expect(preambleTokens('gpt-5-nano')).toBe(9);
		expect(preambleTokens('gpt-4o')).toBe(0);
		expect(countInputTokens({text: '17*23'}, 'gpt-5-nano')).toBe(19);
	});

	it('counts instructions as one more system message', () => {
		const bare = countInputTokens({text: 'hi'}, 'gpt-4o');
		const withInstructions = countInputTokens({text: 'hi', instructions: 'Be brief.'}, 'gpt-4o');
		expect(withInstructions - bare).toBe(3 + 1 + countText('Be brief.', 'gpt-4o'));
	});

	it('counts each message of an input array with its role', () => {
		const input = [
			{role: 'user', content: 'What is 2+2?'},
			{role: 'assistant', content: [{type: 'output_text', text: '4'}]},
			{type: 'message', role: 'user', content: [{type: 'input_text', text: 'And 3+3?'}]},
		];
		const expected =
			3 +
			(3 + 1 + countText('What is 2+2?', 'gpt-4o')) +
			(3 + 1 + countText('4', 'gpt-4o')) +
			(3 + 1 + countText('And 3+3?', 'gpt-4o'));
		expect(countInputTokens({text: 'ignored for arrays', input}, 'gpt-4o')).toBe(expected);
	});
});

describe('reservationTokens', () => {
	it('is input plus the output cap', () => {
		expect(reservationTokens(120, 256)).toBe(376);
	});
});

describe('truncateToTokens', () => {
	it('leaves a short text alone', () => {
		expect(truncateToTokens('hello world', 10, 'gpt-4o')).toEqual({text: 'hello world', truncated: false, removedTokens: 0});
	});

	it('keeps the head on a token boundary', () => {
		const text = 'The quick brown fox jumps over the lazy dog.';
		const result = truncateToTokens(text, 4, 'gpt-4o');
		expect(result).toEqual({text: 'The quick brown fox', truncated: true, removedTokens: 6});
	});

	it('never splits a multi-byte character', () => {
		const text = '👩‍👩‍👧‍👦🇯🇵今日はいい天気ですね'.repeat(5);
		for (let n = 0; n < 30; n++) {
			const result = truncateToTokens(text, n, 'gpt-4o');
			expect(text.startsWith(result.text)).toBe(true);
			expect(result.text).not.toContain('\uFFFD');
			expect(countText(result.text, 'gpt-4o')).toBeLessThanOrEqual(n);
		}
	});

	it('property: the result is a prefix of the input and fits the limit', () => {
		fc.assert(
			fc.property(fc.string({unit: 'grapheme', maxLength: 200}), fc.nat(60), fc.constantFrom('gpt-4o', 'gpt-4'), (text, n, model) => {
				const result = truncateToTokens(text, n, model);
				const total = countText(text, model);
				expect(text.startsWith(result.text)).toBe(true);
				const kept = countText(result.text, model);
				expect(kept).toBeLessThanOrEqual(n);
				expect(result.truncated).toBe(total > n);
				expect(result.removedTokens).toBe(total - kept);
				if (!result.truncated) {
					expect(result.text).toBe(text);
				}
			}),
			{numRuns: 300},
		);
	});

	it('property: ascii text is cut exactly where a token ends', () => {
		const plain = {disallowedSpecial: new Set<string>()};
		fc.assert(
			fc.property(fc.string({unit: 'grapheme-ascii', minLength: 1, maxLength: 200}), fc.nat(40), (text, n) => {
				const result = truncateToTokens(text, n, 'gpt-4o');
				const tokens = o200k.encode(text, plain);
				const boundaries = new Set<string>();
				for (let k = 0; k <= Math.min(n, tokens.length); k++) {
					boundaries.add(o200k.decode(tokens.slice(0, k)));
				}
				expect(boundaries.has(result.text)).toBe(true);
			}),
			{numRuns: 200},
		);
	});
});

describe('fitInputToTokens', () => {
	it('cuts the prompt so the whole input estimate fits', () => {
		const job = {text: 'The quick brown fox jumps over the lazy dog. '.repeat(20), instructions: 'Be brief.'};
		const result = fitInputToTokens(job, 50, 'gpt-5');
		expect(result.truncated).toBe(true);
		expect(countInputTokens({...job, text: result.text}, 'gpt-5')).toBeLessThanOrEqual(50);
		expect(countInputTokens({...job, text: result.text}, 'gpt-5')).toBeGreaterThan(45);
	});

	it('leaves a job that fits alone', () => {
		expect(fitInputToTokens({text: 'hi'}, 100, 'gpt-4o')).toEqual({text: 'hi', truncated: false, removedTokens: 0});
	});
});
