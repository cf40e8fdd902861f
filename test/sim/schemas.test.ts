/**
 * The simulator's replies held against the official OpenAPI schemas
 * (test/fixtures/openapi), through the SDK's raw responses: what the wire carries, not
 * what the SDK made of it.
 */
import {describe, expect, it} from 'vitest';
import {assertSchema, streamEventSchema} from '../helpers/openapi.js';
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
