import type OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {client, raw, sim} from './helpers.js';

type Event = OpenAI.Responses.ResponseStreamEvent;

async function collect(api: OpenAI, body: OpenAI.Responses.ResponseCreateParamsStreaming): Promise<Event[]> {
	const events: Event[] = [];
	for await (const event of await api.responses.create(body)) events.push(event);
	return events;
}

describe('streaming responses', () => {
	it('iterates every frame of a text response in order, usage only on the terminal event', async () => {
		const events = await collect(client(await sim()), {model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 2000, stream: true});
		const types = events.map((e) => e.type);
		expect(types.slice(0, 4)).toEqual([
			'response.created',
			'response.in_progress',
			'response.output_item.added',
			'response.content_part.added',
		]);
		expect(types.slice(-4)).toEqual([
			'response.output_text.done',
			'response.content_part.done',
			'response.output_item.done',
			'response.completed',
		]);
		expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
		const deltas = events.filter((e) => e.type === 'response.output_text.delta');
		expect(deltas.length).toBeGreaterThan(0);
		for (const delta of deltas) expect((delta as {obfuscation?: string}).obfuscation).toMatch(/^[A-Za-z0-9]+$/);
		const created = events[0];
		expect(created.type === 'response.created' && created.response.usage).toBeNull();
		const done = events.at(-1);
		if (done?.type !== 'response.completed') throw new Error('no completed event');
		expect(done.response.usage?.output_tokens).toBe(deltas.length);
		const text = deltas.map((d) => (d.type === 'response.output_text.delta' ? d.delta : '')).join('');
		expect(done.response.output[0].type === 'message' && done.response.output[0].content[0]).toMatchObject({type: 'output_text', text});
	});

	it('streams the reasoning item before the message on gpt-5 models', async () => {
		const events = await collect(client(await sim()), {model: 'gpt-5-mini', input: 'hi', max_output_tokens: 2000, stream: true});
		const added = events.filter((e) => e.type === 'response.output_item.added');
		expect(added.map((e) => (e.type === 'response.output_item.added' ? [e.output_index, e.item.type] : null))).toEqual([
			[0, 'reasoning'],
			[1, 'message'],
		]);
	});

	it('ends with response.incomplete at the cap', async () => {
		const events = await collect(client(await sim()), {model: 'gpt-4o-mini', input: 'long', max_output_tokens: 16, stream: true});
		const last = events.at(-1);
		if (last?.type !== 'response.incomplete') throw new Error(`ended with ${last?.type}`);
		expect(last.response.status).toBe('incomplete');
		expect(last.response.incomplete_details?.reason).toBe('max_output_tokens');
		expect(last.response.usage?.output_tokens).toBe(16);
		expect(events.some((e) => e.type === 'response.completed')).toBe(false);
	});

	it('works with the responses.stream() helper and finalResponse()', async () => {
		const api = client(await sim());
		let snapshot = '';
		const stream = api.responses.stream({model: 'gpt-5.4-mini', input: 'hi', max_output_tokens: 2000});
		stream.on('response.output_text.delta', (event) => {
			snapshot = event.snapshot;
		});
		const final = await stream.finalResponse();
		expect(final.status).toBe('completed');
		expect(final.output_text).toBe(snapshot);
		expect(final.usage?.input_tokens).toBe(8 + 9);
	});

	it('frames are SSE with matching event names and no [DONE]', async () => {
		const res = await raw(await sim(), '/responses', {body: JSON.stringify({model: 'gpt-4o-mini', input: 'hi', stream: true})});
		expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
		expect(res.headers.get('x-request-id')).toMatch(/^req_/);
		const text = await res.text();
		expect(text).not.toContain('[DONE]');
		const frames = text.trimEnd().split('\n\n');
		for (const frame of frames) {
			const [eventLine, dataLine] = frame.split('\n');
			expect(JSON.parse(dataLine.slice('data: '.length)).type).toBe(eventLine.slice('event: '.length));
		}
	});

	it('spaces deltas over time when latency is on', async () => {
		const api = client(await sim({latencyScale: 1}));
		const stream = await api.responses.create({model: 'gpt-4o-mini', input: 'timing', max_output_tokens: 2000, stream: true});
		const started = performance.now();
		const times: number[] = [];
		for await (const event of stream) if (event.type === 'response.output_text.delta') times.push(performance.now() - started);
		expect(times.length).toBeGreaterThan(10);
		// Tokens trickle in: the last delta lands well after the first.
		expect(times.at(-1)! - times[0]).toBeGreaterThan(20);
	});
});
