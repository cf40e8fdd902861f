import {describe, expect, it} from 'vitest';
import {countReport} from '../../src/core/count.js';
import {formatCountReport} from '../../src/countReport.js';
import {formatUsd} from '../../src/core/format.js';
import {parseJobs} from '../../src/core/input.js';
import {displayWidth} from '../../src/core/terminalText.js';
import {countInputTokens} from '../../src/core/tokens.js';
import type {JobSpec} from '../../src/core/types.js';

const job = (id: string, line: number, text: string, extra: Partial<JobSpec> = {}): JobSpec => ({id, line, input: text, text, ...extra});

const jobs: JobSpec[] = [
	job('short', 1, 'hi'),
	job('medium', 2, 'Summarise the plot of Hamlet in two sentences, please.'),
	job('long', 3, 'Explain, with examples, why the sky is blue. '.repeat(30)),
	job('capped', 4, 'Name a colour.', {maxOutputTokens: 16}),
	job('wide', 5, '今日はいい天気ですね。'.repeat(20)),
	job('escape', 6, 'Print \u001b[31mred\u001b[0m and\ttabs\nand newlines'),
];

describe('countReport', () => {
	const report = countReport(jobs, {model: 'gpt-5.4-mini', maxOutputTokens: 256, maxInputTokens: 100});
	const counts = jobs.map((j) => countInputTokens(j, 'gpt-5.4-mini'));

	it('totals the input tokens as countInputTokens estimates them', () => {
		expect(report.prompts).toBe(6);
		expect(report.inputTokens.total).toBe(counts.reduce((a, b) => a + b, 0));
		expect(report.inputTokens.max).toBe(Math.max(...counts));
		expect(report.inputTokens.mean).toBeCloseTo(report.inputTokens.total / 6, 10);
		expect(report.reservedTokens).toBe(report.inputTokens.total + 5 * 256 + 16);
	});

	it('lists the five longest prompts, longest first', () => {
		expect(report.longest).toHaveLength(5);
		expect(report.longest[0]).toMatchObject({id: 'long', line: 3, tokens: counts[2]});
		expect(report.longest[0]?.preview).toMatch(/^Explain, with examples, why the sky is blue\. .*…$/);
		expect(report.longest.map((p) => p.id)).not.toContain('short');
		const escape = report.longest.find((p) => p.id === 'escape');
		expect(escape?.preview).toBe('Print [31mred[0m and tabs and newlines');
	});

	it('lists the prompts over --max-input-tokens with how far over', () => {
		expect(report.overLimit).toEqual([
			{id: 'long', line: 3, tokens: counts[2], overBy: counts[2]! - 100},
			{id: 'wide', line: 5, tokens: counts[4], overBy: counts[4]! - 100},
		]);
	});

	it('prices the range from input only to every output at its cap', () => {
		expect(report.price).toMatchObject({model: 'gpt-5.4-mini', input: 0.75, output: 4.5});
		const input = report.inputTokens.total;
		expect(report.costUsd?.min).toBeCloseTo((input * 0.75) / 1e6, 12);
		expect(report.costUsd?.max).toBeCloseTo((input * 0.75 + (5 * 256 + 16) * 4.5) / 1e6, 12);
	});

	it('uses each prompt\'s own model and instructions', () => {
		const mixed = countReport([job('a', 1, 'hi', {model: 'gpt-4o'}), job('b', 2, 'hi', {instructions: 'Be brief.'})], {
			model: 'gpt-5.4-mini',
			maxOutputTokens: 100,
			instructions: 'Ignored for a.',
		});
		expect(mixed.models.map((m) => [m.model, m.prompts])).toEqual([
			['gpt-4o', 1],
			['gpt-5.4-mini', 1],
		]);
		expect(mixed.inputTokens.total).toBe(
			countInputTokens({text: 'hi', instructions: 'Ignored for a.'}, 'gpt-4o') + countInputTokens({text: 'hi', instructions: 'Be brief.'}, 'gpt-5.4-mini'),
		);
	});

	it('reports an unknown price as null, never as 0', () => {
		const unknown = countReport(jobs, {model: 'my-local-model', maxOutputTokens: 256});
		expect(unknown.price).toBeNull();
		expect(unknown.costUsd).toBeNull();
		const partly = countReport([job('a', 1, 'hi', {model: 'mystery'}), job('b', 2, 'hi')], {model: 'gpt-4o', maxOutputTokens: 16});
		expect(partly.costUsd).toBeNull();
		expect(partly.models.find((m) => m.model === 'gpt-4o')?.costUsd).not.toBeNull();
	});

	it('takes price overrides', () => {
		const overridden = countReport([job('a', 1, 'hi')], {model: 'my-model', maxOutputTokens: 1000, priceOverrides: {in: 1, out: 2}});
		const input = overridden.inputTokens.total;
		expect(overridden.costUsd).toEqual({min: input / 1e6, max: (input + 2000) / 1e6});
	});

	it('handles no prompts', () => {
		const empty = countReport([], {model: 'gpt-4o', maxOutputTokens: 256});
		expect(empty.inputTokens).toEqual({total: 0, mean: 0, max: 0});
		expect(empty.costUsd).toEqual({min: 0, max: 0});
	});

	it('serialises to JSON and back unchanged', () => {
		expect(JSON.parse(JSON.stringify(report))).toEqual(report);
	});
});

describe('formatCountReport', () => {
	it('prints the totals, cost, price source, longest prompts and those over the limit', () => {
		const counted = countReport(jobs, {model: 'gpt-5.4-mini', maxOutputTokens: 256, maxInputTokens: 100});
		const text = formatCountReport(counted);
		expect(text).toMatch(/^6 prompts, default model gpt-5\.4-mini, output cap 256$/m);
		expect(text).toMatch(/^Input tokens {2}[\d,]+ total, [\d.,]+ mean, [\d,]+ max$/m);
		// Dollars as `pacer run` prints them: four decimals under $1.
		expect(text).toMatch(/^Cost \(USD\) {4}\$0\.\d{4} \.\. \$0\.\d{4} \(input only \.\. every reply at its cap\)$/m);
		expect(text).toContain(`Cost (USD)    ${formatUsd(counted.costUsd!.min)} .. ${formatUsd(counted.costUsd!.max)} `);
		expect(text).toMatch(/^Price {9}gpt-5\.4-mini: \$0\.75 in, \$0\.075 cached, \$4\.50 out \/1M$/m);
		expect(text).toMatch(/third-party price reports/);
		expect(text).toMatch(/^Longest prompts$/m);
		expect(text).toMatch(/^ {2}long +3 +\d+ {2}Explain, with examples/m);
		expect(text).toMatch(/^2 prompts over --max-input-tokens 100$/m);
		expect(text).toMatch(/^ {2}wide +5 +\d+ +\d+$/m);
	});

	it('never prints a control character or a line over 80 columns', () => {
		const nasty = [
			...jobs,
			job('an-extremely-long-identifier-that-goes-on-and-on', 7, 'x'.repeat(500)),
			job('絵文字🍕🍕🍕🍕🍕🍕🍕🍕🍕🍕🍕🍕', 8, '🍕'.repeat(400)),
		];
		const text = formatCountReport(countReport(nasty, {model: 'some-unknown-model-with-a-very-long-name-indeed-2026-01-01', maxOutputTokens: 256, maxInputTokens: 1}));
		for (const line of text.split('\n')) {
			expect(displayWidth(line), line).toBeLessThanOrEqual(80);
			expect(line).not.toMatch(/[\u0000-\u001f]/);
		}
		expect(text).toMatch(/^Cost \(USD\) {4}unknown: no price for some-unknown-model/m);
		expect(text).toMatch(/not in pacer's price table: set --price-in and --price-out/);
	});

	it('lists at most ten prompts over the limit and counts the rest', () => {
		const many = Array.from({length: 25}, (_, i) => job(`p${i}`, i + 1, 'word '.repeat(50)));
		const text = formatCountReport(countReport(many, {model: 'gpt-4o', maxOutputTokens: 256, maxInputTokens: 10}));
		expect(text).toMatch(/^25 prompts over --max-input-tokens 10$/m);
		expect(text).toMatch(/^ {2}\.\.\. and 15 more \(--json lists them all\)$/m);
	});

	it('formats a file read from disk end to end', () => {
		const parsed = parseJobs('What is 2+2?\nName a prime.\n', 'p.txt', 'txt');
		const text = formatCountReport(countReport(parsed, {model: 'gpt-4o-mini', maxOutputTokens: 64}));
		expect(text.split('\n')[0]).toBe('2 prompts, default model gpt-4o-mini, output cap 64');
		expect(text).not.toMatch(/max-input-tokens/);
	});
});
