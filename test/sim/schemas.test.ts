/**
 * The simulator's replies held against the official OpenAPI schemas
 * (test/fixtures/openapi), through the SDK's raw responses: what the wire carries, not
 * what the SDK made of it.
 */
import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {assertSchema, schemaErrors, streamEventSchema} from '../helpers/openapi.js';
import {client, raw, sim} from './helpers.js';

/** The JSON payloads of an SSE body, `[DONE]` left out. */
function sseData(text: string): unknown[] {
	return text
		.split('\n\n')
		.filter((frame) => frame.trim() !== '')
		.map((frame) =>
			frame
				.split('\n')
				.filter((line) => line.startsWith('data: '))
				.map((line) => line.slice(6))
				.join('\n'),
		)
		.filter((data) => data !== '[DONE]')
		.map((data) => JSON.parse(data) as unknown);
}

const ask = {input: 'Say something about rivers.', max_output_tokens: 2000} as const;

describe('Responses API replies against the official schemas', () => {
	for (const model of ['gpt-4o-mini', 'gpt-5-mini']) {
		it(`JSON Response (${model}, completed and incomplete)`, async () => {
			const api = client(await sim());
			for (const max of [2000, 16]) {
				const response = await api.responses.create({...ask, model, max_output_tokens: max}).asResponse();
				expect(response.status).toBe(200);
				const body = (await response.json()) as {status: string};
				assertSchema('Response', body);
				expect(body.status).toBe(max === 16 ? 'incomplete' : 'completed');
			}
		});

		it(`stream events (${model}, completed and incomplete)`, async () => {
			const api = client(await sim());
			for (const max of [2000, 16]) {
				const response = await api.responses.create({...ask, model, max_output_tokens: max, stream: true}).asResponse();
				const events = sseData(await response.text()) as {type: string}[];
				expect(events.length).toBeGreaterThan(4);
				for (const event of events) assertSchema(streamEventSchema(event.type), event);
				// Also through the union every event belongs to (with the same live-API exemption
				// for created / in_progress, openai-wire.md §11).
				for (const event of events) assertSchema('ResponseStreamEventLive', event);
				expect(events.at(-1)?.type).toBe(max === 16 ? 'response.incomplete' : 'response.completed');
			}
		});
	}

	it('a mid-stream error: the error frame and response.failed', async () => {
		const api = client(await sim({faults: {streamError: 1}}));
		const response = await api.responses.create({...ask, model: 'gpt-4o-mini', stream: true}).asResponse();
		const events = sseData(await response.text()) as {type: string}[];
		const types = events.map((event) => event.type);
		expect(types.slice(-2)).toEqual(['error', 'response.failed']);
		for (const event of events) assertSchema(streamEventSchema(event.type), event);
	});
});

const chat: {messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[]; max_completion_tokens: number} = {
	messages: [
		{role: 'system', content: 'Be brief.'},
		{role: 'user', content: 'Say something about rivers.'},
	],
	max_completion_tokens: 2000,
};

describe('Chat Completions replies against the official schemas', () => {
	for (const model of ['gpt-4o-mini', 'gpt-5-mini']) {
		it(`JSON chat.completion (${model}, stop and length)`, async () => {
			const api = client(await sim());
			for (const max of [2000, 5]) {
				const response = await api.chat.completions.create({...chat, model, max_completion_tokens: max}).asResponse();
				const body = (await response.json()) as {choices: {finish_reason: string}[]};
				assertSchema('CreateChatCompletionResponse', body);
				expect(body.choices[0].finish_reason).toBe(max === 5 ? 'length' : 'stop');
			}
		});

		it(`stream chunks (${model}, with and without include_usage)`, async () => {
			const api = client(await sim());
			for (const includeUsage of [true, false]) {
				const request = {...chat, model, stream: true as const, ...(includeUsage ? {stream_options: {include_usage: true}} : {})};
				const response = await api.chat.completions.create(request).asResponse();
				const chunks = sseData(await response.text()) as {choices: unknown[]}[];
				expect(chunks.length).toBeGreaterThan(3);
				for (const chunk of chunks) assertSchema('CreateChatCompletionStreamResponse', chunk);
				expect(chunks.at(-1)?.choices.length).toBe(includeUsage ? 0 : 1);
			}
		});
	}

	it('the mid-stream error frame is an ErrorResponse', async () => {
		const api = client(await sim({faults: {streamError: 1}}));
		const response = await api.chat.completions.create({...chat, model: 'gpt-4o-mini', stream: true}).asResponse();
		const frames = sseData(await response.text());
		const last = frames.at(-1);
		assertSchema('ErrorResponse', last);
		for (const chunk of frames.slice(0, -1)) assertSchema('CreateChatCompletionStreamResponse', chunk);
	});
});

describe('error bodies against ErrorResponse, on both APIs', () => {
	const requests = {
		'/responses': {model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 100},
		'/chat/completions': {model: 'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}], max_completion_tokens: 100},
	} as const;
	for (const [path, request] of Object.entries(requests)) {
		it(`${path}: 400, 401, 404, 429 and 500 bodies`, async () => {
			const bodies: unknown[] = [];
			const plain = await sim();
			bodies.push(await (await raw(plain, path, {body: '{not json'})).json());
			bodies.push(await (await raw(plain, path, {body: JSON.stringify({...request, model: 'nope-1'})})).json());
			bodies.push(await (await raw(plain, path, {body: JSON.stringify(request), headers: {authorization: ''}})).json());
			for (const fault of ['rateLimit', 'slowDown', 'quota', 'server500', 'overloaded503']) {
				const faulty = await sim({faults: {[fault]: 1}});
				const response = await raw(faulty, path, {body: JSON.stringify(request)});
				expect(response.status).toBeGreaterThanOrEqual(429);
				bodies.push(await response.json());
			}
			bodies.push(await (await raw(await sim({tpm: 10}), path, {body: JSON.stringify(request)})).json());
			for (const body of bodies) assertSchema('ErrorResponse', body);
		});
	}

	it('a chat-only server: the 404 for /responses', async () => {
		const response = await raw(await sim({apis: ['chat']}), '/responses', {body: JSON.stringify(requests['/responses'])});
		expect(response.status).toBe(404);
		assertSchema('ErrorResponse', await response.json());
	});
});

describe('the validator itself', () => {
	it('rejects what the schemas forbid, so the checks above can fail', () => {
		const usage = {input_tokens: 1, input_tokens_details: {cached_tokens: 0}, output_tokens: 1, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 2};
		expect(schemaErrors('ResponseUsage', usage).join()).toMatch(/cache_write_tokens/);
		expect(schemaErrors('ErrorResponse', {error: {message: 'x', type: 't'}}).length).toBeGreaterThan(0);
		expect(schemaErrors('CreateChatCompletionStreamResponse', {id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: []}).length).toBeGreaterThan(0);
	});

	it('the live-API exemption is only for a running Response: null usage fails the official schema and a finished one', () => {
		const event = {
			type: 'response.created',
			sequence_number: 0,
			response: {id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', error: null, incomplete_details: null, instructions: null, model: 'gpt-4o-mini', tools: [], output: [], parallel_tool_calls: true, metadata: {}, tool_choice: 'auto', temperature: 1, top_p: 1, user: null, usage: null},
		};
		expect(schemaErrors('ResponseCreatedEvent', event).join()).toMatch(/user|usage/);
		expect(schemaErrors(streamEventSchema('response.created'), event)).toEqual([]);
		expect(schemaErrors('ResponseCompletedEvent', {...event, type: 'response.completed'}).length).toBeGreaterThan(0);
	});
});
