import OpenAI from 'openai';
import {beforeEach, describe, expect, it} from 'vitest';
import {caught, client, raw, sim} from './helpers.js';

const body = {model: 'gpt-4o-mini', input: 'hello', max_output_tokens: 64};

async function apiError(promise: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
	const error = await caught(promise);
	if (!(error instanceof OpenAI.APIError)) throw error;
	return error;
}

describe('validation errors, as the real API words them', () => {
	const cases: Array<[string, Record<string, unknown>, number, string | null, string | null]> = [
		['missing model', {input: 'x'}, 400, 'missing_required_parameter', 'model'],
		['missing input', {model: 'gpt-4o-mini'}, 400, 'missing_required_parameter', 'input'],
		['max_output_tokens below 16', {...body, max_output_tokens: 10}, 400, 'integer_below_min_value', 'max_output_tokens'],
		['max_output_tokens not an integer', {...body, max_output_tokens: 'lots'}, 400, 'invalid_type', 'max_output_tokens'],
		['temperature on gpt-5', {...body, model: 'gpt-5-mini', temperature: 0.2}, 400, 'unsupported_parameter', 'temperature'],
		['top_p on o-series', {...body, model: 'o4-mini', top_p: 0.5}, 400, 'unsupported_parameter', 'top_p'],
		['temperature out of range', {...body, temperature: 3}, 400, 'decimal_above_max_value', 'temperature'],
		['unknown model', {...body, model: 'claude-3'}, 404, 'model_not_found', null],
	];
	let sim_: Awaited<ReturnType<typeof sim>>;
	beforeEach(async () => {
		sim_ = await sim();
	});

	it.each(cases)('%s', async (_name, request, status, code, param) => {
		const error = await apiError(() => client(sim_).responses.create(request as never));
		expect(error.status).toBe(status);
		expect(error.code).toBe(code);
		expect(error.param).toBe(param);
		expect(error.type).toBe('invalid_request_error');
		expect(error.requestID).toMatch(/^req_[0-9a-f]{32}$/);
		expect(error).toBeInstanceOf(status === 404 ? OpenAI.NotFoundError : OpenAI.BadRequestError);
	});
	it('accepts the default temperature on reasoning models and any in range on others', async () => {
		const api = client(await sim());
		await expect(api.responses.create({...body, model: 'gpt-5-mini', temperature: 1})).resolves.toBeTruthy();
		await expect(api.responses.create({...body, temperature: 0.2})).resolves.toBeTruthy();
	});

	it('invalid JSON gets the envelope with a null code', async () => {
		const res = await raw(await sim(), '/responses', {body: '{"model": '});
		expect(res.status).toBe(400);
		const json = (await res.json()) as {error: Record<string, unknown>};
		expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
		expect(json.error.message).toMatch(/could not parse the JSON body/);
	});

	it('input over the context window: 400 context_length_exceeded', async () => {
		const api = client(await sim({contextWindow: 50}));
		const error = await apiError(() => api.responses.create({...body, input: 'word '.repeat(100)}));
		expect(error.status).toBe(400);
		expect(error.code).toBe('context_length_exceeded');
	});

	it('unknown routes are a 404 JSON error', async () => {
		const res = await raw(await sim(), '/chat/nope', {body: '{}'});
		expect(res.status).toBe(404);
		expect(((await res.json()) as {error: {message: string}}).error.message).toBe('Invalid URL (POST /v1/chat/nope)');
	});
});

describe('authentication', () => {
	it('no Authorization header: 401 saying no key was provided', async () => {
		const simulator = await sim();
		const res = await fetch(`${simulator.url}/responses`, {method: 'POST', body: JSON.stringify(body)});
		expect(res.status).toBe(401);
		expect(((await res.json()) as {error: {message: string}}).error.message).toMatch(/didn't provide an API key/);
	});

	it('a wrong key: AuthenticationError invalid_api_key with the key masked', async () => {
		const simulator = await sim({apiKey: 'sk-right-key-000000'});
		const error = await apiError(() => client(simulator, 'sk-wrong-key-abcd').responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
		expect(error.code).toBe('invalid_api_key');
		expect(error.message).toContain('Incorrect API key provided: sk-...abcd.');
		expect(error.message).not.toContain('wrong-key');
		await expect(client(simulator, 'sk-right-key-000000').responses.create(body)).resolves.toBeTruthy();
	});
});

describe('seeded faults through the SDK', () => {
	it('rateLimit: RateLimitError rate_limit_exceeded with retry-after-ms and retry-after', async () => {
		const error = await apiError(async () => client(await sim({faults: {rateLimit: 1}, tpm: 500_000})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect(error.code).toBe('rate_limit_exceeded');
		expect(error.type).toBe('tokens');
		const ms = Number(error.headers?.get('retry-after-ms'));
		expect(ms).toBeGreaterThan(0);
		expect(error.headers?.get('retry-after')).toBe(String(Math.ceil(ms / 1000)));
		expect(error.message).toMatch(/^429 Rate limit reached for gpt-4o-mini in organization org-sim on tokens per min \(TPM\): Limit 500000, Used \d+, Requested 72\. Please try again in [\d.]+m?s\./);
		expect(error.headers?.get('x-ratelimit-limit-tokens')).toBe('500000');
	});

	it('slowDown: 429 type rate_limit_error, code slow_down', async () => {
		const error = await apiError(async () => client(await sim({faults: {slowDown: 1}})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect([error.type, error.code]).toEqual(['rate_limit_error', 'slow_down']);
	});

	it('quota: 429 insufficient_quota without retry-after', async () => {
		const error = await apiError(async () => client(await sim({faults: {quota: 1}})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.RateLimitError);
		expect([error.type, error.code]).toEqual(['insufficient_quota', 'insufficient_quota']);
		expect(error.headers?.get('retry-after')).toBeNull();
		expect(error.headers?.get('retry-after-ms')).toBeNull();
	});

	it.each([
		['server500', 500, 'server_error'],
		['overloaded503', 503, 'server_is_overloaded'],
	] as const)('%s: InternalServerError %i %s', async (fault, status, code) => {
		const error = await apiError(async () => client(await sim({faults: {[fault]: 1}})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.InternalServerError);
		expect(error.status).toBe(status);
		expect(error.code).toBe(code);
	});

	it.each([
		['badGateway502', 502, 'Bad Gateway'],
		['gatewayTimeout504', 504, 'Gateway Time-out'],
	] as const)('%s: HTML body, APIError with the raw text', async (fault, status, title) => {
		const error = await apiError(async () => client(await sim({faults: {[fault]: 1}})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.InternalServerError);
		expect(error.status).toBe(status);
		expect(error.error).toBeUndefined();
		expect(error.message).toContain(`<title>${status} ${title}</title>`);
		expect(error.headers?.get('content-type')).toBe('text/html');
	});

	it('reset: APIConnectionError', async () => {
		const error = await caught(async () => client(await sim({faults: {reset: 1}})).responses.create(body));
		expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
		expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
	});

	it('badRequest is permanent for a prompt: 400 invalid_prompt on every attempt', async () => {
		const api = client(await sim({faults: {badRequest: 1}}));
		for (let attempt = 0; attempt < 3; attempt++) {
			const error = await apiError(() => api.responses.create(body));
			expect(error).toBeInstanceOf(OpenAI.BadRequestError);
			expect(error.code).toBe('invalid_prompt');
		}
	});

	it('x-should-retry follows the fault when the flag is on', async () => {
		const simulator = await sim({faults: {quota: 0.5, server500: 0.5}, shouldRetryHeader: true});
		const api = client(simulator);
		const seen = new Map<number | undefined, string | null | undefined>();
		for (let i = 0; i < 12; i++) {
			const error = await apiError(() => api.responses.create({...body, input: `p${i}`}));
			seen.set(error.status, error.headers?.get('x-should-retry'));
			if (error.code === 'insufficient_quota') expect(error.headers?.get('x-should-retry')).toBe('false');
			else expect(error.headers?.get('x-should-retry')).toBe('true');
		}
		expect(seen.size).toBe(2);
	});
});
