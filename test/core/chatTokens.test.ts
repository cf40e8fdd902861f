/**
 * The chat formula for chat jobs (openai-wire.md §8, §10), held against what the simulator
 * bills for the same messages through the SDK, and `countReport` on a chat Batch file.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {ChatClient} from '../../src/core/chatClient.js';
import {chatMessages} from '../../src/core/chatMessages.js';
import {countReport} from '../../src/core/count.js';
import {parseJobs} from '../../src/core/input.js';
import {countChatInputTokens, countInputTokens} from '../../src/core/tokens.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', seed: 1, latencyScale: 0, port: 0});
});
afterAll(() => sim.close());

const chatFile = [
	{custom_id: 'a', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'system', content: 'You answer in French.'}, {role: 'user', content: 'What is the capital of Peru?'}]}},
	{custom_id: 'b', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}, {role: 'assistant', content: 'Hello! How can I help?'}, {role: 'user', name: 'ana', content: [{type: 'text', text: 'Tell me a joke.'}]}]}},
	{custom_id: 'c', url: '/v1/chat/completions', body: {model: 'gpt-5.4-mini', messages: [{role: 'developer', content: 'Be terse.'}, {role: 'user', content: '17*23'}]}},
]
	.map(line => JSON.stringify(line))
	.join('\n');

describe('chat input tokens', () => {
	test('per message 3 + role + content, a name its tokens + 1, 3 to prime the reply', () => {
		// "hi" and "user" are one token each in o200k_base.
		expect(countChatInputTokens([{role: 'user', content: 'hi'}], 'gpt-4o-mini')).toBe(3 + 1 + 1 + 3);
		expect(countChatInputTokens([{role: 'user', name: 'ana', content: 'hi'}], 'gpt-4o-mini')).toBe(3 + 1 + 1 + 3 + 1 + 1);
		// The gpt-5 family's hidden preamble.
		expect(countChatInputTokens([{role: 'user', content: 'hi'}], 'gpt-5.4-mini')).toBe(8 + 9);
	});

	test('the instructions count as a first system message, and a string job is the same on both APIs', () => {
		const job = {text: 'What is the capital of Peru?', input: 'What is the capital of Peru?', instructions: 'You answer in French.'};
		const chat = countInputTokens({...job, api: 'chat'}, 'gpt-4o-mini');
		expect(chat).toBe(countChatInputTokens(chatMessages(job), 'gpt-4o-mini'));
		expect(chat).toBe(countInputTokens(job, 'gpt-4o-mini'));
	});

	test('the estimate of each chat Batch line is what the simulator bills for it', async () => {
		const client = new ChatClient({apiKey: 'sk-count-test-0000', baseURL: sim.url});
		for (const spec of parseJobs(chatFile, 'chat.jsonl', 'jsonl')) {
			const model = spec.model!;
			const result = await client.attempt({model, input: spec.input, maxOutputTokens: 32, api: 'chat'});
			expect(result.api).toBe('chat');
			expect(countInputTokens(spec, model)).toBe(result.usage!.input_tokens);
		}
	});

	test('countReport counts a chat file by the chat formula, and --api chat counts plain prompts as chat', () => {
		const specs = parseJobs(chatFile, 'chat.jsonl', 'jsonl');
		const report = countReport(specs, {model: 'gpt-4o-mini', maxOutputTokens: 100});
		const expected = specs.map(s => countChatInputTokens(chatMessages({input: s.input}), s.model!));
		expect(report.inputTokens.total).toBe(expected.reduce((a, b) => a + b, 0));

		const plain = parseJobs('{"prompt": "hi", "instructions": "Be brief."}\n', 'p.jsonl', 'jsonl');
		const asChat = countReport(plain, {model: 'gpt-4o-mini', maxOutputTokens: 100, api: 'chat'});
		expect(asChat.inputTokens.total).toBe(countChatInputTokens([{role: 'system', content: 'Be brief.'}, {role: 'user', content: 'hi'}], 'gpt-4o-mini'));
	});
});
