/** `--api` through the built CLI: a chat-only server under auto, --api chat, --json, and `pacer count` of chat input. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {SWITCH_NOTE} from '../../src/core/autoApiClient.js';
import {chatMessages} from '../../src/core/chatMessages.js';
import {countChatInputTokens} from '../../src/core/tokens.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, runCli} from '../helpers/cli.js';

let dir: string;
let chatOnly: Simulator;
let both: Simulator;
const env = {OPENAI_API_KEY: 'sk-cli-api-test-0000'};
beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-api-'));
	chatOnly = await startSimulator({profile: 'calm', seed: 2, latencyScale: 0, port: 0, apis: ['chat']});
	both = await startSimulator({profile: 'calm', seed: 2, latencyScale: 0, port: 0});
	fs.writeFileSync(path.join(dir, 'prompts.txt'), Array.from({length: 8}, (_, i) => `prompt number ${i + 1}`).join('\n') + '\n');
});
afterAll(async () => {
	await chatOnly.close();
	await both.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('pacer run --api', () => {
	test('auto on a chat-only server: one switch line, the summary says so, no failure, no retry', async () => {
		const out = path.join(dir, 'auto.jsonl');
		const result = await runCli(['run', path.join(dir, 'prompts.txt'), '--no-tui', '--base-url', chatOnly.url, '--out', out], {env});
		expect(result.code).toBe(0);
		// Once as it happens, once in the summary.
		expect(result.stdout).toMatch(new RegExp(`^\\+ *[\\d.]+s  api: ${SWITCH_NOTE}$`, 'm'));
		expect(result.stdout).toMatch(new RegExp(`^api: ${SWITCH_NOTE}$`, 'm'));
		expect(occurrences(result.stdout, SWITCH_NOTE)).toBe(2);
		expect(result.stdout).toMatch(/8 succeeded, 0 failed, 0 cancelled, 0 skipped/);
		expect(result.stdout).toMatch(/attempts 8 \(0 retries, 0 × 429\)/);
		const records = readRecords(out);
		expect(records).toHaveLength(8);
		expect(records.every(r => r.status === 'succeeded' && r.attempts === 1 && (r as {api?: string}).api === 'chat')).toBe(true);
	});

	test('--api chat --json: the summary names the API; no switch note', async () => {
		const out = path.join(dir, 'chat.jsonl');
		const result = await runCli(['run', path.join(dir, 'prompts.txt'), '--api', 'chat', '--json', '--base-url', both.url, '--out', out], {env});
		expect(result.code).toBe(0);
		const summary = JSON.parse(result.stdout) as {api: string; apiNote: string | null; succeeded: number};
		expect(summary).toMatchObject({api: 'chat', apiNote: null, succeeded: 8});
		expect(readRecords(out).every(r => (r as {api?: string}).api === 'chat')).toBe(true);
	});

	test('--api responses on a chat-only server: the 404 is each prompt\'s failure (no switch)', async () => {
		const out = path.join(dir, 'responses.jsonl');
		const result = await runCli(['run', path.join(dir, 'prompts.txt'), '--api', 'responses', '--no-tui', '--base-url', chatOnly.url, '--out', out, '--concurrency', '1'], {env});
		expect(result.code).toBe(1);
		expect(result.stdout).not.toContain(SWITCH_NOTE);
		const records = readRecords(out);
		expect(records.every(r => r.status === 'failed' && r.error?.kind === 'not_found' && (r as {api?: string}).api === 'responses')).toBe(true);
	});

	test('an unknown --api is a usage error', async () => {
		const result = await runCli(['run', path.join(dir, 'prompts.txt'), '--api', 'grpc', '--no-tui', '--base-url', both.url], {env});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--api.*grpc/);
	});
});

describe('pacer count of chat input', () => {
	test('a Batch file of chat lines is counted by the chat formula; --api chat counts plain prompts as chat', async () => {
		const messages = [{role: 'system', content: 'Answer in French.'}, {role: 'user', content: 'What is the capital of Peru?'}];
		const file = path.join(dir, 'chat-batch.jsonl');
		fs.writeFileSync(file, `${JSON.stringify({custom_id: 'c1', method: 'POST', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages}})}\n`);
		const result = await runCli(['count', file, '--json']);
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as {inputTokens: {total: number}};
		expect(report.inputTokens.total).toBe(countChatInputTokens(messages, 'gpt-4o-mini'));

		const plain = path.join(dir, 'plain.txt');
		fs.writeFileSync(plain, 'What is the capital of Peru?\n');
		const asChat = JSON.parse((await runCli(['count', plain, '--json', '--api', 'chat', '--model', 'gpt-4o-mini', '--instructions', 'Answer in French.'])).stdout) as {inputTokens: {total: number}};
		expect(asChat.inputTokens.total).toBe(countChatInputTokens(chatMessages({input: 'What is the capital of Peru?', instructions: 'Answer in French.'}), 'gpt-4o-mini'));
	});
});
