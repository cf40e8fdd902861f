import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import {countChatInputTokens, countInputTokens} from '../../src/sim/text.js';
import {caught, client, raw, sim} from './helpers.js';

const messages = [
	{role: 'system', content: 'Answer in one line.'},
	{role: 'user', content: 'Tell me about rivers.'},
] as const;
const body = {model: 'gpt-4o-mini', messages: [...messages], max_completion_tokens: 2000};

async function apiError(fn: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
	const error = await caught(fn);
	if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
	return error;
}

describe('chat completions (JSON)', () => {
	it('answers a chat.completion with the text, finish_reason stop and usage', async () => {
		const {data, response} = await client(await sim()).chat.completions.create(body).withResponse();
		expect(data.object).toBe('chat.completion');
		expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
		expect(data.model).toBe('gpt-4o-mini-2024-07-18');
		expect(data.choices).toHaveLength(1);
		const [choice] = data.choices;
		expect(choice.finish_reason).toBe('stop');
		expect(choice.message.role).toBe('assistant');
		expect(choice.message.refusal).toBeNull();
		expect(choice.message.content?.length).toBeGreaterThan(0);
		const usage = data.usage;
		if (!usage) throw new Error('no usage');
		expect(usage.prompt_tokens).toBe(countChatInputTokens(messages, false));
		expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
		expect(usage.prompt_tokens_details?.cached_tokens).toBe(0);
		expect(usage.completion_tokens_details?.reasoning_tokens).toBe(0);
		expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
		expect(response.headers.get('openai-version')).toBe('2020-10-01');
	});

	it('counts prompt tokens by the chat formula: 3 a message plus role and content, a name adds its tokens and 1, 3 to prime', () => {
		// "hi" is one token, every role one token.
		expect(countChatInputTokens([{role: 'user', content: 'hi'}], false)).toBe(3 + 3 + 1 + 1);
		expect(countChatInputTokens([{role: 'user', content: 'hi', name: 'ann'}], false)).toBe(8 + 1 + 1);
		expect(countChatInputTokens([{role: 'user', content: [{type: 'text', text: 'hi'}]}], true)).toBe(8 + 9);
		// One system and one user message cost what instructions plus input cost on Responses.
		expect(countChatInputTokens(messages, true)).toBe(countInputTokens(messages[1].content, messages[0].content, true));
	});

	it('reports reasoning tokens inside completion_tokens on reasoning models', async () => {
		const api = client(await sim());
		const seen = new Set<number>();
		for (let i = 0; i < 12 && seen.size < 2; i++) {
			const data = await api.chat.completions.create({...body, model: 'gpt-5-mini', messages: [{role: 'user', content: `q${i}`}]});
			const details = data.usage?.completion_tokens_details;
			seen.add(details?.reasoning_tokens ?? -1);
			expect(data.usage?.completion_tokens).toBeGreaterThanOrEqual(details?.reasoning_tokens ?? 0);
		}
		expect([...seen].sort()).toEqual([0, 64]);
	});

	it.each(['max_completion_tokens', 'max_tokens'] as const)('%s cuts the output: finish_reason length, completion_tokens equal the cap', async (param) => {
		const {max_completion_tokens: _, ...rest} = body;
		const data = await client(await sim()).chat.completions.create({...rest, [param]: 5});
		expect(data.choices[0].finish_reason).toBe('length');
		expect(data.usage?.completion_tokens).toBe(5);
		expect(data.choices[0].message.content?.length).toBeGreaterThan(0);
	});

	it('the same prompt on both APIs: the same text and the same usage', async () => {
		const simulator = await sim({seed: 9});
		const api = client(simulator);
		const chat = await api.chat.completions.create(body);
		const other = client(await sim({seed: 9}));
		const responses = await other.responses.create({model: body.model, instructions: messages[0].content, input: messages[1].content, max_output_tokens: 2000});
		expect(chat.choices[0].message.content).toBe(responses.output_text);
		expect([chat.usage?.prompt_tokens, chat.usage?.completion_tokens]).toEqual([responses.usage?.input_tokens, responses.usage?.output_tokens]);
	});
});

describe('chat request checks', () => {
	const cases: Array<[string, Record<string, unknown>, number, string | null, string | null]> = [
		['no messages', {model: 'gpt-4o-mini'}, 400, 'missing_required_parameter', 'messages'],
		['empty messages', {model: 'gpt-4o-mini', messages: []}, 400, 'empty_array', 'messages'],
		['messages not an array', {model: 'gpt-4o-mini', messages: 'hi'}, 400, 'invalid_type', 'messages'],
		['unknown role', {model: 'gpt-4o-mini', messages: [{role: 'bot', content: 'hi'}]}, 400, 'invalid_value', 'messages[0].role'],
		['no role', {model: 'gpt-4o-mini', messages: [{content: 'hi'}]}, 400, 'missing_required_parameter', 'messages[0].role'],
		['user without content', {model: 'gpt-4o-mini', messages: [{role: 'user'}]}, 400, 'missing_required_parameter', 'messages[0].content'],
		['content a number', {model: 'gpt-4o-mini', messages: [{role: 'user', content: 3}]}, 400, 'invalid_type', 'messages[0].content'],
		['a part of an unknown type', {model: 'gpt-4o-mini', messages: [{role: 'user', content: [{type: 'video'}]}]}, 400, 'invalid_value', 'messages[0].content[0].type'],
		['a text part without text', {model: 'gpt-4o-mini', messages: [{role: 'user', content: [{type: 'text'}]}]}, 400, 'missing_required_parameter', 'messages[0].content[0].text'],
		['a tool message without tool_call_id', {model: 'gpt-4o-mini', messages: [{role: 'tool', content: 'x'}]}, 400, 'missing_required_parameter', 'messages[0].tool_call_id'],
		['both output caps', {...body, max_tokens: 10}, 400, 'invalid_parameter_combination', 'max_tokens'],
		['a cap of 0', {...body, max_completion_tokens: 0}, 400, 'integer_below_min_value', 'max_completion_tokens'],
		['stream_options without stream', {...body, stream_options: {include_usage: true}}, 400, null, 'stream_options'],
		['temperature on a reasoning model', {...body, model: 'gpt-5-mini', temperature: 0.2}, 400, 'unsupported_parameter', 'temperature'],
		['an unknown model', {...body, model: 'llama-9'}, 404, 'model_not_found', null],
	];

	it.each(cases)('%s', async (_name, request, status, code, param) => {
		const res = await raw(await sim(), '/chat/completions', {body: JSON.stringify(request)});
		expect(res.status).toBe(status);
		expect(res.headers.get('x-request-id')).toMatch(/^req_/);
		const error = ((await res.json()) as {error: {type: string; code: string | null; param: string | null; message: string}}).error;
		expect(error.type).toBe('invalid_request_error');
		expect([error.code, error.param]).toEqual([code, param]);
		expect(error.message.length).toBeGreaterThan(10);
	});

	it('an unknown model: NotFoundError in the words the Responses route uses', async () => {
		const simulator = await sim();
		const chat = await apiError(() => client(simulator).chat.completions.create({...body, model: 'llama-9'}));
		const responses = await apiError(() => client(simulator).responses.create({model: 'llama-9', input: 'hi'}));
		expect(chat).toBeInstanceOf(OpenAI.NotFoundError);
		expect(chat.error).toEqual(responses.error);
		expect(chat.message).toBe('404 The model `llama-9` does not exist or you do not have access to it.');
	});

	it('accepts developer, assistant and tool turns and content parts', async () => {
		const data = await client(await sim()).chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [
				{role: 'developer', content: [{type: 'text', text: 'Be terse.'}]},
				{role: 'user', content: [{type: 'text', text: 'What is 2+2?'}]},
				{role: 'assistant', content: null, tool_calls: [{id: 'call_1', type: 'function', function: {name: 'add', arguments: '{}'}}]},
				{role: 'tool', tool_call_id: 'call_1', content: '4'},
			],
		});
		expect(data.choices[0].finish_reason).toMatch(/stop|length/);
	});
});

describe('chat limits and faults', () => {
	it('one RPM budget across both routes: a Responses request uses up what chat would get', async () => {
		// At 1 RPM the second request waits a minute, however slow the machine.
		const simulator = await sim({rpm: 1});
		const api = client(simulator);
		await api.responses.create({model: 'gpt-4o-mini', input: 'first', max_output_tokens: 100});
		const error = await apiError(() => api.chat.completions.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect(error.code).toBe('rate_limit_exceeded');
		expect(error.type).toBe('requests');
		expect(error.message).toMatch(/on requests per min \(RPM\): Limit 1, Used 1, Requested 1\. Please try again in/);
		const ms = Number(error.headers?.get('retry-after-ms'));
		expect(ms).toBeGreaterThan(0);
		expect(error.headers?.get('retry-after')).toBe(String(Math.max(1, Math.ceil(ms / 1000))));
		expect(ms).toBeGreaterThan(50_000);
		expect(error.headers?.get('x-ratelimit-limit-requests')).toBe('1');
		expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
		expect(error.headers?.get('x-request-id')).toMatch(/^req_/);
	});

	it('x-ratelimit-* on a 200, and TPM charged like the Responses route', async () => {
		const {response} = await client(await sim({rpm: 500, tpm: 100_000})).chat.completions.create(body).withResponse();
		expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
		const estimate = countChatInputTokens(messages, false) + body.max_completion_tokens;
		expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBe(100_000 - estimate);
		expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^[\d.]+(ms|s)$/);
	});

	it('a seeded rateLimit: RateLimitError with retry-after-ms and retry-after', async () => {
		const error = await apiError(async () => client(await sim({faults: {rateLimit: 1}, tpm: 500_000})).chat.completions.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect([error.type, error.code]).toEqual(['tokens', 'rate_limit_exceeded']);
		expect(Number(error.headers?.get('retry-after-ms'))).toBeGreaterThan(0);
	});

	it('"Request too large" with no retry-after', async () => {
		const error = await apiError(async () => client(await sim({tpm: 1000})).chat.completions.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect(error.message).toMatch(/^429 Request too large for gpt-4o-mini/);
		expect(error.headers?.get('retry-after')).toBeNull();
	});

	it.each([
		['slowDown', OpenAI.RateLimitError, 429, 'slow_down'],
		['quota', OpenAI.RateLimitError, 429, 'insufficient_quota'],
		['server500', OpenAI.InternalServerError, 500, 'server_error'],
		['overloaded503', OpenAI.InternalServerError, 503, 'server_is_overloaded'],
		['badGateway502', OpenAI.InternalServerError, 502, undefined],
		['gatewayTimeout504', OpenAI.InternalServerError, 504, undefined],
		['streamError', OpenAI.InternalServerError, 500, 'server_error'],
	] as const)('%s: the same error as on Responses', async (fault, kind, status, code) => {
		const simulator = await sim({faults: {[fault]: 1}});
		const chat = await apiError(() => client(simulator).chat.completions.create(body));
		const responses = await apiError(() => client(simulator).responses.create({model: body.model, input: 'x'}));
		expect(chat).toBeInstanceOf(kind);
		expect(chat.status).toBe(status);
		expect(chat.code ?? undefined).toBe(code);
		expect(chat.error).toEqual(responses.error);
		expect(chat.headers?.get('content-type')).toBe(responses.headers?.get('content-type'));
	});

	it('reset: APIConnectionError', async () => {
		const error = await caught(async () => client(await sim({faults: {reset: 1}})).chat.completions.create(body));
		expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
	});

	it('stall without streaming: headers never come; the signal ends it', async () => {
		const error = await caught(async () => client(await sim({faults: {stall: 1}})).chat.completions.create(body, {signal: AbortSignal.timeout(100)}));
		expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
	});

	it('cut without streaming: the body read fails', async () => {
		const error = await caught(async () => client(await sim({faults: {cut: 1}})).chat.completions.create(body));
		expect(error).toBeInstanceOf(Error);
		expect(error).not.toBeInstanceOf(OpenAI.APIError);
	});

	it('badRequest is permanent for a prompt, and the same prompt is refused on Responses too', async () => {
		const simulator = await sim({faults: {badRequest: 1}});
		for (let attempt = 0; attempt < 2; attempt++) {
			const error = await apiError(() => client(simulator).chat.completions.create(body));
			expect([error.status, error.code]).toEqual([400, 'invalid_prompt']);
		}
		const responses = await apiError(() => client(simulator).responses.create({model: body.model, instructions: messages[0].content, input: messages[1].content}));
		expect(responses.code).toBe('invalid_prompt');
	});
});

describe('chat-only and Responses-only simulators', () => {
	it("apis: ['chat'] answers /responses with the real API's unknown-path 404 and still serves chat", async () => {
		const simulator = await sim({apis: ['chat']});
		const error = await apiError(() => client(simulator).responses.create({model: 'gpt-4o-mini', input: 'hi'}));
		expect(error).toBeInstanceOf(OpenAI.NotFoundError);
		expect(error.error).toEqual({message: 'Invalid URL (POST /v1/responses)', type: 'invalid_request_error', param: null, code: null});
		expect(error.headers?.get('x-request-id')).toMatch(/^req_/);
		const stream = await client(simulator).chat.completions.create({...body, stream: true});
		let text = '';
		for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
		expect(text.length).toBeGreaterThan(0);
		expect(simulator.stats().byStatus['404']).toBe(1);
	});

	it("apis: ['responses'] answers /chat/completions with 404", async () => {
		const simulator = await sim({apis: ['responses']});
		const error = await apiError(() => client(simulator).chat.completions.create(body));
		expect(error.status).toBe(404);
		expect(error.message).toBe('404 Invalid URL (POST /v1/chat/completions)');
	});

	it('refuses an empty or unknown apis list', async () => {
		await expect(sim({apis: []})).rejects.toThrow(/apis must list one or more of responses, chat/);
		await expect(sim({apis: ['completions' as 'chat']})).rejects.toThrow(/apis must list/);
	});
});
