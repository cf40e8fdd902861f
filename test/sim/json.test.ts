import {describe, expect, it} from 'vitest';
import {client, raw, sim} from './helpers.js';

describe('non-streaming responses', () => {
	it('parses through the SDK: output_text, usage, ids, dated model', async () => {
		const api = client(await sim());
		const response = await api.responses.create({model: 'gpt-4o-mini', input: 'Say hi in three words.', max_output_tokens: 2000});
		expect(response.id).toMatch(/^resp_[0-9a-f]{50}$/);
		expect(response.object).toBe('response');
		expect(response.status).toBe('completed');
		expect(response.model).toBe('gpt-4o-mini-2024-07-18');
		expect(response.output_text.length).toBeGreaterThan(0);
		const message = response.output[0];
		expect(message.type).toBe('message');
		expect(message.id).toMatch(/^msg_[0-9a-f]{50}$/);
		expect(response.usage?.input_tokens).toBe(13);
		expect(response.usage?.total_tokens).toBe((response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0));
		expect(response.incomplete_details).toBeNull();
		expect(response.completed_at).toBeTypeOf('number');
	});

	it('gpt-5 models put a reasoning item first and bill a hidden preamble', async () => {
		const api = client(await sim());
		const response = await api.responses.create({model: 'gpt-5.4-mini', input: 'Say hi in three words.', max_output_tokens: 2000});
		expect(response.model).toBe('gpt-5.4-mini-2026-03-17');
		expect(response.output[0].type).toBe('reasoning');
		expect(response.output[0].id).toMatch(/^rs_[0-9a-f]{50}$/);
		expect(response.output[1].type).toBe('message');
		expect(response.usage?.input_tokens).toBe(13 + 9);
		expect(response.output_text.length).toBeGreaterThan(0);
	});

	it('stops at max_output_tokens with status incomplete and output_tokens equal to the cap', async () => {
		const api = client(await sim());
		const response = await api.responses.create({model: 'gpt-4.1-mini', input: 'Write a long essay.', max_output_tokens: 16});
		expect(response.status).toBe('incomplete');
		expect(response.incomplete_details).toEqual({reason: 'max_output_tokens'});
		expect(response.usage?.output_tokens).toBe(16);
		expect(response.completed_at).toBeNull();
		expect(response.output[0].type === 'message' && response.output[0].status).toBe('incomplete');
	});

	it('sends the API headers on a success', async () => {
		const simulator = await sim({rpm: 500, tpm: 500_000});
		const {response, request_id} = await client(simulator)
			.responses.create({model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 64})
			.withResponse();
		expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
		expect(response.headers.get('openai-version')).toBe('2020-10-01');
		expect(Number(response.headers.get('openai-processing-ms'))).toBeGreaterThanOrEqual(0);
		expect(response.headers.get('x-ratelimit-limit-requests')).toBe('500');
		expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('499');
		expect(response.headers.get('x-ratelimit-reset-requests')).toBe('120ms');
		expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('500000');
	});

	it('keeps the raw body free of output_text and echoes the request settings', async () => {
		const res = await raw(await sim(), '/responses', {
			body: JSON.stringify({model: 'gpt-4o-mini', input: 'hi', instructions: 'Be brief.', max_output_tokens: 64, metadata: {job: 'a'}}),
		});
		const body = (await res.json()) as Record<string, unknown>;
		expect(body.output_text).toBeUndefined();
		expect(body.instructions).toBe('Be brief.');
		expect(body.max_output_tokens).toBe(64);
		expect(body.metadata).toEqual({job: 'a'});
		expect(res.headers.get('content-type')).toBe('application/json');
	});
});
