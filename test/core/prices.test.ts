import {describe, expect, it} from 'vitest';
import {costUsd, PRICED_MODELS, PriceError, priceFor, priceTableEntry} from '../../src/core/prices.js';

describe('priceFor', () => {
	it('knows the table models with source and date', () => {
		const price = priceFor('gpt-5.4-mini');
		expect(price).toMatchObject({model: 'gpt-5.4-mini', input: 0.75, cachedInput: 0.075, output: 4.5, date: '2026'});
		expect(price?.source).toMatch(/third-party/);
		expect(price?.batch).toEqual({input: 0.375, cachedInput: 0.0375, output: 2.25});
	});

	it('prices every table model with a positive input and output rate', () => {
		for (const model of PRICED_MODELS) {
			const price = priceFor(model);
			expect(price?.input).toBeGreaterThan(0);
			expect(price?.output).toBeGreaterThan(0);
		}
	});

	it.each([
		['gpt-5.4-mini-2026-03-17', 'gpt-5.4-mini'],
		['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
		['gpt-4.1-2025-04-14', 'gpt-4.1'],
		['gpt-5-2025-08-07', 'gpt-5'],
		['GPT-4o', 'gpt-4o'],
		['openai/gpt-5-mini', 'gpt-5-mini'],
	])('matches the snapshot %s to %s', (model, entry) => {
		expect(priceTableEntry(model)).toBe(entry);
		expect(priceFor(model)?.model).toBe(entry);
	});

	it.each(['gpt-5-nano', 'gpt-5-pro', 'gpt-5.4-nano', 'gpt-4o-realtime-preview', 'gpt-4o-mini-tts', 'gpt-5.4-mini-x', 'ft:gpt-4o-mini:acme::abc', 'llama-3', ''])(
		'does not guess a price for %j',
		(model) => {
			expect(priceFor(model)).toBeNull();
		},
	);

	it('never prices gpt-5.4-mini as gpt-5', () => {
		expect(priceFor('gpt-5.4-mini')?.input).toBe(0.75);
		expect(priceFor('gpt-5')?.input).toBe(1.25);
	});

	it('overrides make an unknown model known', () => {
		expect(priceFor('my-model', {in: 1})).toBeNull();
		const price = priceFor('my-model', {in: 1, out: 3});
		expect(price).toMatchObject({model: 'my-model', input: 1, cachedInput: null, output: 3});
		expect(price?.source).toMatch(/override/);
	});

	it('overrides replace table rates; a new input rate drops the table cached rate', () => {
		expect(priceFor('gpt-5.4-mini', {out: 5})).toMatchObject({input: 0.75, cachedInput: 0.075, output: 5});
		expect(priceFor('gpt-5.4-mini', {in: 1})).toMatchObject({input: 1, cachedInput: null, output: 4.5});
		expect(priceFor('gpt-5.4-mini', {in: 1, cachedIn: 0.1})).toMatchObject({input: 1, cachedInput: 0.1});
	});

	it('rejects a negative or non-finite override', () => {
		expect(() => priceFor('gpt-4o', {in: -1})).toThrow(PriceError);
		expect(() => priceFor('gpt-4o', {out: Number.NaN})).toThrow(/"out" must be a number >= 0/);
	});
});

describe('costUsd', () => {
	const price = priceFor('gpt-5.4-mini')!;

	it('bills input and output per million tokens', () => {
		expect(costUsd({input_tokens: 1_000_000, output_tokens: 1_000_000}, price)).toBeCloseTo(5.25, 10);
		expect(costUsd({input_tokens: 0, output_tokens: 0}, price)).toBe(0);
	});

	it('bills cached input at the cached rate', () => {
		expect(costUsd({input_tokens: 1_000_000, output_tokens: 0, cached_tokens: 400_000}, price)).toBeCloseTo(0.6 * 0.75 + 0.4 * 0.075, 10);
	});

	it('bills cached input at the input rate when the cached rate is unknown', () => {
		const gpt5 = priceFor('gpt-5')!;
		expect(costUsd({input_tokens: 1000, output_tokens: 0, cached_tokens: 1000}, gpt5)).toBeCloseTo(0.00125, 12);
	});

	it('never counts more cached tokens than input tokens', () => {
		expect(costUsd({input_tokens: 100, output_tokens: 0, cached_tokens: 500}, price)).toBeCloseTo(100 * 0.075 / 1e6, 15);
	});

	it('bills half at batch rates', () => {
		const usage = {input_tokens: 12_345, output_tokens: 678, cached_tokens: 1000};
		expect(costUsd(usage, price, {batch: true})).toBeCloseTo(costUsd(usage, price) / 2, 12);
	});
});
