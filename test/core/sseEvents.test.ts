/**
 * pacer's event-stream reader against the openai SDK's own `Stream` on the same bytes, cut
 * into chunks at every size: the SDK is the rule, pacer must read what it reads.
 */
import OpenAI from 'openai';
import {Stream} from 'openai/core/streaming';
import {describe, expect, test} from 'vitest';
import {sseEvents} from '../../src/core/sseEvents.js';

const encoder = new TextEncoder();

/** A 200 event stream whose body arrives in chunks of `size` bytes (0: one chunk). */
function responseOf(body: string, size: number): Response {
	const bytes = encoder.encode(body);
	const chunks: Uint8Array[] = [];
	if (size === 0) chunks.push(bytes);
	else for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			const chunk = chunks.shift();
			if (chunk) controller.enqueue(chunk);
			else controller.close();
		},
	});
	return new Response(stream, {headers: {'content-type': 'text/event-stream', 'x-request-id': 'req_sse'}});
}

async function read(events: AsyncIterable<unknown>): Promise<{events: unknown[]; error: unknown}> {
	const seen: unknown[] = [];
	try {
		for await (const event of events) seen.push(event);
		return {events: seen, error: null};
	} catch (error) {
		return {events: seen, error};
	}
}

const viaSdk = (body: string, size: number) => read(Stream.fromSSEResponse(responseOf(body, size), new AbortController()));
const viaPacer = async (body: string, size: number) => {
	const {events, error} = await read(sseEvents(responseOf(body, size)));
	return {events: events.map(event => (event as {data: unknown}).data), error};
};

const frame = (type: string, fields: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({type, ...fields})}\n\n`;

const BODIES: Record<string, string> = {
	'a CR at the end of a chunk, then LF (one line end), and a lone CR at the very end': 'data: {"n":1}\r\n\r\ndata: {"n":2}\r\r',
	'plain frames': frame('response.created', {n: 1}) + frame('response.output_text.delta', {delta: 'hi'}) + frame('response.completed', {n: 3}),
	'CRLF line ends': (frame('a', {n: 1}) + frame('b', {n: 2})).replaceAll('\n', '\r\n'),
	'CR line ends': (frame('a', {n: 1}) + frame('b', {n: 2})).replaceAll('\n', '\r'),
	'data split over lines, comments, no space after the colon': ': keep-alive\n\nevent:x\ndata:{"a":\ndata: 1}\n\n: note\ndata: {"b":2}\n\n',
	'multibyte text cut anywhere': frame('response.output_text.delta', {delta: 'é漢字🙂 — ok'}) + frame('done', {n: 1}),
	'[DONE] ends the events': 'data: {"n":1}\n\ndata: [DONE]\n\ndata: {"n":2}\n\n',
	'a last event cut before its blank line is not one': frame('a', {n: 1}) + 'event: b\ndata: {"n":2}\n',
	'a blank line alone is no event': '\n\n\n' + frame('a', {n: 1}) + '\n\n',
	'nested error frame': frame('response.created', {n: 1}) + 'event: error\ndata: {"type":"error","error":{"type":"server_error","code":"server_error","message":"boom"}}\n\n' + frame('after'),
	'flat error frame': 'event: error\ndata: {"type":"error","code":"server_error","message":"flat"}\n\n',
	'JSON that does not parse': frame('a', {n: 1}) + 'data: {nope\n\n',
};

describe('sseEvents reads what the SDK reads', () => {
	for (const [name, body] of Object.entries(BODIES)) {
		test(name, async () => {
			for (const size of [0, 1, 2, 3, 7, 64]) {
				const sdk = await viaSdk(body, size);
				const pacer = await viaPacer(body, size);
				expect(pacer.events, `chunks of ${size}`).toEqual(sdk.events);
				expect(pacer.error?.constructor, `chunks of ${size}`).toBe(sdk.error?.constructor);
				expect((pacer.error as Error | null)?.message, `chunks of ${size}`).toBe((sdk.error as Error | null)?.message);
			}
		});
	}

	test('the nested error frame throws APIError with no status and its code, as the SDK does', async () => {
		const {error} = await viaPacer(BODIES['nested error frame'], 0);
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
		expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('server_error');
	});

	test('the event name comes with each payload', async () => {
		const events = [];
		for await (const event of sseEvents(responseOf(': c\nevent: one\ndata: {"n":1}\n\ndata: {"n":2}\n\n', 0))) events.push(event);
		expect(events).toEqual([
			{event: 'one', data: {n: 1}},
			{event: null, data: {n: 2}},
		]);
	});

	test('leaving early cancels the body', async () => {
		let cancelled = false;
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(encoder.encode(frame('a') + frame('b')));
			},
			cancel() {
				cancelled = true;
			},
		});
		for await (const event of sseEvents(new Response(stream))) if (event) break;
		expect(cancelled).toBe(true);
	});
});
