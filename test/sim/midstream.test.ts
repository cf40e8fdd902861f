import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {waitUntil} from '../helpers/wait.js';
import {caught, client, raw, sim} from './helpers.js';

const streamBody = {model: 'gpt-4o-mini', input: 'tell me something', max_output_tokens: 2000, stream: true} as const;

describe('faults after a 200', () => {
	it('cut stream: iteration throws (the body read fails with "terminated") after some deltas, no terminal event', async () => {
		const api = client(await sim({faults: {cut: 1}}));
		const types: string[] = [];
		const error = await caught(async () => {
			for await (const event of await api.responses.create(streamBody)) types.push(event.type);
		});
		expect(error).toBeInstanceOf(TypeError);
		expect((error as Error).message).toBe('terminated');
		expect(types[0]).toBe('response.created');
		expect(types.some((t) => t === 'response.completed' || t === 'response.incomplete' || t === 'response.failed')).toBe(false);
	});

	it('cut JSON body: reading the body fails', async () => {
		const api = client(await sim({faults: {cut: 1}}));
		const error = await caught(() => api.responses.create({...streamBody, stream: false}));
		expect(error).toBeInstanceOf(Error);
		expect(error).not.toBeInstanceOf(OpenAI.APIError);
	});

	it('stall: the stream goes quiet until the client aborts it', async () => {
		const api = client(await sim({faults: {stall: 1}}));
		const controller = new AbortController();
		const types: string[] = [];
		const started = performance.now();
		const stream = await api.responses.create(streamBody, {signal: controller.signal});
		setTimeout(() => controller.abort(), 150);
		// The SDK ends iteration quietly on an abort; pacer sees a stream with no terminal event.
		for await (const event of stream) types.push(event.type);
		expect(performance.now() - started).toBeGreaterThanOrEqual(140);
		expect(types[0]).toBe('response.created');
		expect(types.at(-1)).not.toMatch(/completed|incomplete|failed/);
	});

	it('stall without streaming: headers never come; the signal ends it with APIUserAbortError', async () => {
		const api = client(await sim({faults: {stall: 1}}));
		const error = await caught(() => api.responses.create({...streamBody, stream: false}, {signal: AbortSignal.timeout(100)}));
		expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
	});

	it('streamError: the nested error frame makes the SDK throw APIError with no status and code server_error', async () => {
		const api = client(await sim({faults: {streamError: 1}}));
		const types: string[] = [];
		const error = await caught(async () => {
			for await (const event of await api.responses.create(streamBody)) types.push(event.type);
		});
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect(error).not.toBeInstanceOf(OpenAI.APIConnectionError);
		const apiError = error as InstanceType<typeof OpenAI.APIError>;
		expect(apiError.status).toBeUndefined();
		expect(apiError.code).toBe('server_error');
		expect(apiError.type).toBe('server_error');
		expect(types).toContain('response.output_item.added');
	});

	it('streamError on the wire: nested error frame, then response.failed with usage', async () => {
		const res = await raw(await sim({faults: {streamError: 1}}), '/responses', {body: JSON.stringify(streamBody)});
		const frames = (await res.text())
			.trimEnd()
			.split('\n\n')
			.map((frame) => JSON.parse(frame.split('\n')[1].slice(6)) as Record<string, any>);
		const [error, failed] = frames.slice(-2);
		expect(error.type).toBe('error');
		expect(error.error).toMatchObject({type: 'server_error', code: 'server_error', param: null});
		expect(failed.type).toBe('response.failed');
		expect(failed.response.status).toBe('failed');
		expect(failed.response.error.code).toBe('server_error');
		expect(failed.response.usage.input_tokens).toBeGreaterThan(0);
		expect(frames.map((f) => f.sequence_number)).toEqual(frames.map((_, i) => i));
	});

	it('streamError without streaming: a 500', async () => {
		const api = client(await sim({faults: {streamError: 1}}));
		const error = await caught(() => api.responses.create({...streamBody, stream: false}));
		expect(error).toBeInstanceOf(OpenAI.InternalServerError);
	});

	it('close() ends stalled streams (which never end on their own) and resolves', async () => {
		const simulator = await sim({faults: {stall: 1}});
		const api = client(simulator);
		const pending = Promise.all(
			[1, 2, 3].map(async (i) => {
				const error = await caught(async () => {
					for await (const _ of await api.responses.create({...streamBody, input: `p${i}`})) {
						// drain
					}
				});
				return error;
			}),
		);
		const hanging = api.responses.create({...streamBody, stream: false}).catch((e: unknown) => e);
		await waitUntil(() => simulator.stats().inFlight === 4, 'four stalled requests in flight', {seen: () => JSON.stringify(simulator.stats().inFlight)});
		await simulator.close();
		for (const error of await pending) expect(error).toBeInstanceOf(Error);
		expect(await hanging).toBeInstanceOf(OpenAI.APIConnectionError);
	});
});
