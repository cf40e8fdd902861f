import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import type {SimulatorOptions} from '../../src/sim/index.js';
import {caught, client, raw, sim} from './helpers.js';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
	model: 'gpt-4o-mini',
	messages: [{role: 'user', content: 'Tell me about gardens.'}],
	max_completion_tokens: 2000,
	stream: true,
	stream_options: {include_usage: true},
};

async function collect(api: OpenAI, request: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = body): Promise<Chunk[]> {
	const chunks: Chunk[] = [];
	for await (const chunk of await api.chat.completions.create(request)) chunks.push(chunk);
	return chunks;
}

/** The raw `data:` payloads of a chat stream, `[DONE]` included. */
async function wireFrames(res: Response): Promise<string[]> {
	const text = await res.text();
	expect(text).not.toMatch(/^event:/m);
	return text
		.split('\n\n')
		.filter((frame) => frame !== '')
		.map((frame) => {
			expect(frame.startsWith('data: ')).toBe(true);
			return frame.slice(6);
		});
}

describe('chat completions (streamed)', () => {
	it('role first, content deltas, a finish chunk, the usage chunk with choices [] — text and usage agree', async () => {
		const chunks = await collect(client(await sim()));
		const [first] = chunks;
		expect(first.object).toBe('chat.completion.chunk');
		expect(first.choices[0].delta).toEqual({role: 'assistant', content: '', refusal: null});
		expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
		expect(chunks.every((c) => c.model === 'gpt-4o-mini-2024-07-18')).toBe(true);
		const content = chunks.slice(1, -2);
		expect(content.length).toBeGreaterThan(0);
		for (const chunk of content) {
			expect(Object.keys(chunk.choices[0].delta)).toEqual(['content']);
			expect(chunk.choices[0].finish_reason).toBeNull();
			expect(chunk.usage).toBeNull();
		}
		const finish = chunks.at(-2);
		expect(finish?.choices[0]).toMatchObject({delta: {}, finish_reason: 'stop'});
		const usageChunk = chunks.at(-1);
		expect(usageChunk?.choices).toEqual([]);
		const usage = usageChunk?.usage;
		if (!usage) throw new Error('no usage chunk');
		expect(usage.completion_tokens).toBe(content.length);
		expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
		expect(usage.prompt_tokens_details?.cached_tokens).toBe(0);
		expect(usage.completion_tokens_details?.reasoning_tokens).toBe(0);
	});

	it('on the wire: data-only frames ending in [DONE], obfuscation padding on every chunk', async () => {
		const frames = await wireFrames(await raw(await sim(), '/chat/completions', {body: JSON.stringify(body)}));
		expect(frames.at(-1)).toBe('[DONE]');
		const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as Chunk & {obfuscation?: string});
		for (const chunk of chunks) expect(chunk.obfuscation).toMatch(/^[A-Za-z0-9]+$/);
		const plain = await wireFrames(
			await raw(await sim(), '/chat/completions', {body: JSON.stringify({...body, stream_options: {include_usage: true, include_obfuscation: false}})}),
		);
		expect(plain.slice(0, -1).some((f) => f.includes('obfuscation'))).toBe(false);
	});

	it('without include_usage: no usage key on the chunks and no usage chunk', async () => {
		const {stream_options: _, ...request} = body;
		const frames = await wireFrames(await raw(await sim(), '/chat/completions', {body: JSON.stringify(request)}));
		const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as Record<string, unknown>);
		expect(chunks.some((c) => 'usage' in c)).toBe(false);
		expect((chunks.at(-1) as unknown as Chunk).choices[0].finish_reason).toBe('stop');
	});

	it('max_completion_tokens cuts a stream: finish_reason length, completion_tokens equal the cap', async () => {
		const chunks = await collect(client(await sim()), {...body, max_completion_tokens: 7});
		expect(chunks.at(-2)?.choices[0].finish_reason).toBe('length');
		expect(chunks.at(-1)?.usage?.completion_tokens).toBe(7);
		expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(7);
	});

	it('a reasoning model streams its reasoning tokens in completion_tokens, none as text', async () => {
		const api = client(await sim());
		for (let i = 0; i < 10; i++) {
			const chunks = await collect(api, {...body, model: 'gpt-5-mini', messages: [{role: 'user', content: `r${i}`}]});
			const usage = chunks.at(-1)?.usage;
			const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
			const deltas = chunks.filter((c) => c.choices[0]?.delta.content).length;
			expect(usage?.completion_tokens).toBe(reasoning + deltas);
			if (reasoning > 0) return;
		}
		throw new Error('no reply with reasoning tokens in 10 prompts');
	});

	it('a 429 comes before the stream, as a RateLimitError with its headers', async () => {
		const error = await caught(async () => collect(client(await sim({faults: {rateLimit: 1}}))));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		const headers = (error as InstanceType<typeof OpenAI.APIError>).headers;
		expect(Number(headers?.get('retry-after-ms'))).toBeGreaterThan(0);
		expect(headers?.get('x-request-id')).toMatch(/^req_/);
	});
});

describe('chat faults after a 200', () => {
	it('streamError: a data {"error": ...} frame, no finish and no [DONE]; the SDK throws APIError with no status', async () => {
		const simulator = await sim({faults: {streamError: 1}});
		const frames = await wireFrames(await raw(simulator, '/chat/completions', {body: JSON.stringify(body)}));
		expect(frames).not.toContain('[DONE]');
		const last = JSON.parse(frames.at(-1) as string) as {error: Record<string, unknown>};
		expect(last).toEqual({error: {message: expect.stringContaining('The server had an error'), type: 'server_error', param: null, code: 'server_error'}});
		const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as Chunk);
		expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);

		const seen: Chunk[] = [];
		const error = await caught(async () => {
			for await (const chunk of await client(simulator).chat.completions.create(body)) seen.push(chunk);
		});
		expect(error).toBeInstanceOf(OpenAI.APIError);
		expect(error).not.toBeInstanceOf(OpenAI.APIConnectionError);
		const apiError = error as InstanceType<typeof OpenAI.APIError>;
		expect(apiError.status).toBeUndefined();
		expect([apiError.code, apiError.type]).toEqual(['server_error', 'server_error']);
		expect(seen[0].choices[0].delta.role).toBe('assistant');
	});

	it('cut: iteration throws "terminated" after some chunks, with no finish chunk', async () => {
		const seen: Chunk[] = [];
		const error = await caught(async () => {
			for await (const chunk of await client(await sim({faults: {cut: 1}})).chat.completions.create(body)) seen.push(chunk);
		});
		expect(error).toBeInstanceOf(TypeError);
		expect((error as Error).message).toBe('terminated');
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.some((c) => c.choices[0]?.finish_reason)).toBe(false);
	});

	it('stall: the stream goes quiet until the client aborts it', async () => {
		const controller = new AbortController();
		const stream = await client(await sim({faults: {stall: 1}})).chat.completions.create(body, {signal: controller.signal});
		const started = performance.now();
		setTimeout(() => controller.abort(), 150);
		const seen: Chunk[] = [];
		// The SDK ends iteration quietly on an abort: a stream with no finish and no [DONE].
		for await (const chunk of stream) seen.push(chunk);
		expect(performance.now() - started).toBeGreaterThanOrEqual(140);
		expect(seen[0].choices[0].delta.role).toBe('assistant');
		expect(seen.some((c) => c.choices[0]?.finish_reason || c.usage)).toBe(false);
	});
});

const PROMPTS = Array.from({length: 30}, (_, i) => `Chat prompt ${i}: describe item ${i * 3}.`);

/** Every attempt's outcome for one prompt: the text, or what went wrong. */
async function runPrompt(api: OpenAI, prompt: string): Promise<string[]> {
	const outcomes: string[] = [];
	for (let attempt = 0; attempt < 5; attempt++) {
		let text = '';
		let finish = 'none';
		try {
			for await (const chunk of await api.chat.completions.create({...body, messages: [{role: 'user', content: prompt}], max_completion_tokens: 256})) {
				text += chunk.choices[0]?.delta.content ?? '';
				finish = chunk.choices[0]?.finish_reason ?? finish;
			}
		} catch (error) {
			const e = error as InstanceType<typeof OpenAI.APIError>;
			outcomes.push(`${e.constructor.name}:${e.status}:${e.code}`);
			if (e.status === 400) break;
			continue;
		}
		outcomes.push(`${finish}:${text}`);
		break;
	}
	return outcomes;
}

async function runBatch(options: SimulatorOptions, concurrency: number): Promise<Map<string, string[]>> {
	const api = client(await sim(options));
	const results = new Map<string, string[]>();
	let next = 0;
	await Promise.all(
		Array.from({length: concurrency}, async () => {
			while (next < PROMPTS.length) {
				const prompt = PROMPTS[next++];
				results.set(prompt, await runPrompt(api, prompt));
			}
		}),
	);
	return results;
}

describe('chat determinism by seed', () => {
	// No stalls: telling one from a slow reply takes a stopwatch (see determinism.test.ts).
	const options: SimulatorOptions = {profile: 'chaos', seed: 42, rpm: Number.POSITIVE_INFINITY, tpm: Number.POSITIVE_INFINITY, faults: {stall: 0}};

	it('same seed and prompts: identical outcomes at concurrency 1 and 6; another seed differs', async () => {
		const [serial, parallel, other] = await Promise.all([runBatch(options, 1), runBatch(options, 6), runBatch({...options, seed: 43}, 3)]);
		expect(parallel.size).toBe(PROMPTS.length);
		for (const prompt of PROMPTS) expect(parallel.get(prompt)).toEqual(serial.get(prompt));
		const failures = [...serial.values()].flat().filter((o) => !/^(stop|length):/.test(o));
		expect(failures.length).toBeGreaterThan(3);
		expect(PROMPTS.some((p) => JSON.stringify(other.get(p)) !== JSON.stringify(serial.get(p)))).toBe(true);
	});
});
