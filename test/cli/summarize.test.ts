/** `--on-long summarize` through the built CLI: headless lines, the summary, --json, the records, count, and bad usage. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {ResultRecord} from '../../src/core/types.js';
import {readRecords as readLines, ROOT, runCli} from '../helpers/cli.js';

const readRecords = (file: string) => readLines(file) as unknown as ResultRecord[];

let dir: string;
beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-summarize-'));
});
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

const document = path.join(ROOT, 'examples', 'long-document.jsonl');
const conversation = path.join(ROOT, 'examples', 'long-conversation.jsonl');
const fast = ['--sim', '--sim-latency-scale', '0', '--no-tui'];

describe('pacer run --on-long summarize', () => {
	test('prints each condensing call and what condensing cost; the records say so', {timeout: 60_000}, async () => {
		const out = path.join(dir, 'doc.jsonl');
		const result = await runCli(['run', document, ...fast, '--max-input-tokens', '1500', '--on-long', 'summarize', '--out', out]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const calls = result.stdout.match(/mill-log +condense \d+\/\d+ \d+ms in \d+ out \d+/g) ?? [];
		expect(calls.length).toBeGreaterThan(1);
		expect(result.stdout).toMatch(new RegExp(`mill-log +ok +attempt ${calls.length + 1} .*\\(condensed: ${calls.length} calls, in \\d+ out \\d+\\)`));
		expect(result.stdout).toMatch(new RegExp(`condensed: 1 prompt in ${calls.length} calls, tokens in [\\d,]+ out [\\d,]+, cost \\$[\\d.]+ \\(in the totals above\\)`));
		const [mill, short] = readRecords(out);
		expect(mill).toMatchObject({id: 'mill-log', status: 'succeeded', input_summarized: true, summary_usage: {calls: calls.length}});
		expect(mill!.usage!.input_tokens).toBeLessThanOrEqual(1500);
		expect(short).toMatchObject({id: 'short-one', status: 'succeeded'});
		expect(short!.input_summarized).toBeUndefined();
	});

	test('--json counts condensed prompts, their calls, tokens and cost', {timeout: 60_000}, async () => {
		const out = path.join(dir, 'talk.jsonl');
		const result = await runCli(['run', conversation, ...fast, '--json', '--model', 'gpt-5.4', '--summary-model', 'gpt-5.4-mini', '--max-input-tokens', '2000', '--on-long', 'summarize', '--out', out]);
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout) as {summarized: {prompts: number; calls: number; tokensIn: number; tokensOut: number; costUsd: number}; tokensIn: number};
		const [record] = readRecords(out);
		expect(summary.summarized).toEqual({
			prompts: 1,
			calls: record!.summary_usage!.calls,
			tokensIn: record!.summary_usage!.input_tokens,
			tokensOut: record!.summary_usage!.output_tokens,
			costUsd: expect.any(Number),
		});
		expect(summary.tokensIn).toBe(record!.summary_usage!.input_tokens + record!.usage!.input_tokens);
	});

	test('needs --max-input-tokens, and --summary-model only goes with it', async () => {
		const alone = await runCli(['run', document, ...fast, '--on-long', 'summarize']);
		expect(alone.code).toBe(2);
		expect(alone.stderr).toMatch(/--on-long summarize needs --max-input-tokens N/);
		const stray = await runCli(['run', document, ...fast, '--summary-model', 'gpt-5.4-mini']);
		expect(stray.code).toBe(2);
		expect(stray.stderr).toMatch(/--summary-model goes with --on-long summarize/);
	});
});

describe('pacer count --on-long summarize', () => {
	test('says how many prompts would be condensed, and the extra calls, tokens and cost', async () => {
		const text = await runCli(['count', document, '--max-input-tokens', '1500', '--on-long', 'summarize']);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/--on-long summarize: 1 prompt would be condensed first\n {2}Extra calls at most \d+\n {2}Tokens +[\d,]+ in, up to [\d,]+ out\n {2}Cost \(USD\) +\$[\d.]+ \.\. \$[\d.]+, beside the above/);
		const json = await runCli(['count', document, '--max-input-tokens', '1500', '--on-long', 'summarize', '--json']);
		const report = JSON.parse(json.stdout) as {summarize: {prompts: number; calls: number; cannot: number}};
		expect(report.summarize).toMatchObject({prompts: 1, cannot: 0, calls: expect.any(Number)});
		const plain = await runCli(['count', document, '--max-input-tokens', '1500']);
		expect(plain.stdout).not.toMatch(/would be condensed/);
	});
});
