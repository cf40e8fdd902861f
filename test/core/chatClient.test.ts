/**
 * The Chat Completions path end to end: the real openai SDK against the simulator (or a
 * scripted server, for what the seeded simulator cannot pin down) on loopback, with a
 * recording proxy to prove what went over the wire.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {SWITCH_NOTE} from '../../src/core/autoApiClient.js';
import type {EngineEvent} from '../../src/core/engine.js';
import {parseJobs} from '../../src/core/input.js';
import type {JobSpec, ResultRecord} from '../../src/core/types.js';
import {runBatch, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/sim/index.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {startScriptedServer, type ScriptedAnswer, type ScriptedServer} from '../helpers/scriptedServer.js';

let dir: string;
const closers: Array<() => Promise<void>> = [];
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-chat-'));
});
afterEach(async () => {
	for (const close of closers.splice(0).reverse()) await close();
	fs.rmSync(dir, {recursive: true, force: true});
});

const jobs = (n: number): JobSpec[] => Array.from({length: n}, (_, i) => ({id: `p${i + 1}`, line: i + 1, input: `question number ${i + 1}`, text: `question number ${i + 1}`}));

async function simBehindProxy(options: SimulatorOptions = {}): Promise<{sim: Simulator; proxy: RecordingProxy}> {
	const sim = await startSimulator({profile: 'calm', seed: 3, latencyScale: 0, port: 0, ...options});
	closers.push(() => sim.close());
	const proxy = await startRecordingProxy(sim.url);
	closers.push(() => proxy.close());
	return {sim, proxy};
}

async function scripted(answer: (n: number, input: unknown, request: {path: string; body: Record<string, unknown> | null}) => ScriptedAnswer): Promise<ScriptedServer> {
	const server = await startScriptedServer({answer});
	closers.push(() => server.close());
	return server;
}

async function run(specs: JobSpec[], baseURL: string, options: Partial<RunOptions> = {}) {
	const out = path.join(dir, 'out.jsonl');
	const events: EngineEvent[] = [];
	const result = await runBatch(specs, {
		out,
		concurrency: 4,
		maxRetries: 3,
		backoffBaseMs: 5,
		backoffMaxMs: 20,
		endpoint: {kind: 'api', apiKey: 'sk-chat-test-0000', baseURL},
		onEvent: event => events.push(event),
		...options,
	});
	const records = fs
		.readFileSync(out, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as ResultRecord);
	return {...result, records, events};
}

const chunk = (choices: unknown[], usage: unknown = null) =>
	`data: ${JSON.stringify({id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices, usage})}\n\n`;

describe('--api chat against the simulator', () => {
	test('a whole batch: messages with the instructions as a first system message, usage, truncated on length, api "chat"', async () => {
		const {sim, proxy} = await simBehindProxy();
		const {records, summary} = await run(jobs(16), proxy.url, {api: 'chat', model: 'gpt-4o-mini', maxOutputTokens: 40, instructions: 'Be brief.'});

		expect(records).toHaveLength(16);
		for (const r of records) {
			expect(r.status).toBe('succeeded');
			expect(r.api).toBe('chat');
			expect(r.attempts).toBe(1);
			expect(r.output).toBeTruthy();
			expect(r.usage!.input_tokens).toBeGreaterThan(0);
			expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
			expect(r.model).toMatch(/^gpt-4o-mini/);
			// A reply cut at the cap is exactly the cap long.
			if (r.truncated) expect(r.usage!.output_tokens).toBe(40);
			else expect(r.usage!.output_tokens).toBeLessThanOrEqual(40);
		}
		const truncated = records.filter(r => r.truncated).length;
		expect(truncated).toBeGreaterThan(0);
		expect(summary.truncated).toBe(truncated);
		expect(summary.api).toBe('chat');
		expect(summary.apiNote).toBeNull();
		// The simulator's own books agree with the records.
		const stats = sim.stats();
		expect(stats.incomplete).toBe(truncated);
		expect(stats.tokensIn).toBe(records.reduce((sum, r) => sum + r.usage!.input_tokens, 0));
		expect(stats.tokensOut).toBe(records.reduce((sum, r) => sum + r.usage!.output_tokens, 0));

		expect(proxy.seen).toHaveLength(16);
		for (const seen of proxy.seen) {
			expect(seen.path).toBe('/v1/chat/completions');
			expect(seen.status).toBe(200);
			const body = seen.body!;
			const messages = body.messages as Array<{role: string; content: string}>;
			expect(messages).toHaveLength(2);
			expect(messages[0]).toEqual({role: 'system', content: 'Be brief.'});
			expect(messages[1]!.role).toBe('user');
			expect(messages[1]!.content).toMatch(/^question number \d+$/);
			expect(body).toMatchObject({model: 'gpt-4o-mini', max_completion_tokens: 40, stream: true, stream_options: {include_usage: true}});
			expect(body).not.toHaveProperty('input');
			expect(body).not.toHaveProperty('instructions');
			expect(body).not.toHaveProperty('max_tokens');
		}
	});

	test('the same batch and faults on chat and on Responses end in the same statuses, attempts and retries', async () => {
		const faults = {server500: 0.15, overloaded503: 0.1, streamError: 0.1, cut: 0.1, rateLimit: 0.1};
		const outcome = async (api: 'chat' | 'responses') => {
			const sim = await startSimulator({profile: 'calm', seed: 21, latencyScale: 0, port: 0, faults, rpm: 1_000_000, tpm: 1_000_000_000});
			closers.push(() => sim.close());
			const {records, summary} = await run(jobs(24), sim.url, {api, maxRetries: 4});
			expect(records.every(r => r.api === api)).toBe(true);
			return {
				records: records.map(r => ({id: r.id, status: r.status, attempts: r.attempts, truncated: r.truncated, kind: r.error?.kind ?? null})),
				retries: summary.retries,
				attempts: summary.attempts,
			};
		};
		const chat = await outcome('chat');
		const responses = await outcome('responses');
		expect(chat.retries).toBeGreaterThan(0);
		expect(chat).toEqual(responses);
	});
});

describe('chat faults, scripted', () => {
	test('a mid-stream {"error": ...} frame is a server error, retried; the retry succeeds', async () => {
		const server = await scripted(n =>
			n === 0
				? {kind: 'sse', body: chunk([{index: 0, delta: {role: 'assistant', content: 'half a rep'}, finish_reason: null}]) + `data: ${JSON.stringify({error: {message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: 'server_error'}})}\n\n`}
				: {kind: 'reply', text: 'whole reply'},
		);
		const {records, events, summary} = await run(jobs(1), server.url, {api: 'chat'});
		expect(records[0]).toMatchObject({status: 'succeeded', attempts: 2, output: 'whole reply', api: 'chat'});
		const retries = events.filter(e => e.type === 'retry');
		expect(retries).toHaveLength(1);
		expect(retries[0]).toMatchObject({error: {kind: 'server', code: 'server_error', status: null}});
		// The half reply's live tokens were taken back: only the answer's usage counts.
		expect(summary.tokensOut).toBe(records[0]!.usage!.output_tokens);
		expect(server.requests.map(r => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
	});

	test('a stream that ends without a finish_reason or [DONE] was cut: a connection error, retried', async () => {
		const server = await scripted(n => (n === 0 ? {kind: 'sse', body: chunk([{index: 0, delta: {role: 'assistant', content: 'cut off'}, finish_reason: null}])} : {kind: 'reply', text: 'second try'}));
		const {records, events} = await run(jobs(1), server.url, {api: 'chat'});
		expect(records[0]).toMatchObject({status: 'succeeded', attempts: 2, output: 'second try'});
		const retry = events.find(e => e.type === 'retry');
		expect(retry).toMatchObject({error: {kind: 'connection'}});
		expect((retry as {error: {message: string}}).error.message).toMatch(/ended before the reply was complete/);
	});

	test('with no retry left, a cut chat stream fails the prompt as a connection error, on api chat', async () => {
		const server = await scripted(() => ({kind: 'sse', body: chunk([{index: 0, delta: {role: 'assistant', content: 'a'}, finish_reason: null}])}));
		const {records} = await run(jobs(1), server.url, {api: 'chat', maxRetries: 0});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 1, api: 'chat', error: {kind: 'connection'}});
	});

	test('a 429 with retry-after is paced: the next attempt waits at least that long, and the rate headers are read', async () => {
		const server = await scripted(n =>
			n === 0
				? {kind: 'error', status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 600, Used 600, Requested 1. Please try again in 400ms.', headers: {'retry-after-ms': '400', 'retry-after': '1', 'x-ratelimit-limit-requests': '600', 'x-ratelimit-limit-tokens': '200000'}}
				: {kind: 'reply', text: 'after the wait'},
		);
		const {records, summary, events, store} = await run(jobs(1), server.url, {api: 'chat', concurrency: 1});
		expect(records[0]).toMatchObject({status: 'succeeded', attempts: 2, api: 'chat'});
		expect(summary.rateLimited).toBe(1);
		expect(events.find(e => e.type === 'retry')).toMatchObject({error: {kind: 'rate_limit', status: 429}});
		expect((events.find(e => e.type === 'retry') as {waitMs: number}).waitMs).toBeGreaterThanOrEqual(400);
		const [first, second] = server.requests;
		expect(second!.at - first!.at).toBeGreaterThanOrEqual(400);
		// Learned from the 429's headers (paced below the limit); without them it would be unknown.
		expect(store.getState().rate.rpmLimit).toBeGreaterThan(0);
		expect(store.getState().rate.rpmLimit).toBeLessThanOrEqual(600);
	});

	test('a server that refuses max_completion_tokens: re-sent once with max_tokens, remembered for the run, never a failure or a retry', async () => {
		const server = await scripted((_, __, request) =>
			request.body && 'max_completion_tokens' in request.body
				? {kind: 'error', status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', param: 'max_completion_tokens', message: "Unsupported parameter: 'max_completion_tokens' is not supported with this model. Use 'max_tokens' instead."}
				: {kind: 'reply', text: 'fine'},
		);
		const {records, summary} = await run(jobs(4), server.url, {api: 'chat', concurrency: 1, maxOutputTokens: 64});
		expect(records.every(r => r.status === 'succeeded' && r.attempts === 1 && r.api === 'chat')).toBe(true);
		expect(summary).toMatchObject({attempts: 4, retries: 0, failed: 0});
		const bodies = server.requests.map(r => r.body!);
		expect(bodies).toHaveLength(5);
		expect(bodies[0]!.max_completion_tokens).toBe(64);
		for (const body of bodies.slice(1)) {
			expect(body.max_tokens).toBe(64);
			expect(body).not.toHaveProperty('max_completion_tokens');
		}
	});

	test('another 400 is the prompt\'s own failure: not re-sent', async () => {
		const server = await scripted(() => ({kind: 'error', status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', param: 'temperature', message: "Unsupported parameter: 'temperature' is not supported with this model."}));
		const {records} = await run(jobs(1), server.url, {api: 'chat'});
		expect(records[0]).toMatchObject({status: 'failed', attempts: 1, api: 'chat', error: {kind: 'bad_request', status: 400}});
		expect(server.requests).toHaveLength(1);
	});
});

describe('--api auto', () => {
	test('a chat-only server: one switch, said once; no failed record, no retry, one attempt a prompt', async () => {
		const {proxy} = await simBehindProxy({apis: ['chat']});
		const {records, summary, events, store} = await run(jobs(10), proxy.url, {api: 'auto'});
		expect(records.every(r => r.status === 'succeeded' && r.api === 'chat' && r.attempts === 1)).toBe(true);
		expect(summary).toMatchObject({succeeded: 10, failed: 0, attempts: 10, retries: 0, api: 'chat', apiNote: SWITCH_NOTE});
		expect(events.filter(e => e.type === 'api')).toEqual([expect.objectContaining({type: 'api', note: SWITCH_NOTE})]);
		expect(store.getState().run.apiNote).toBe(SWITCH_NOTE);
		const toResponses = proxy.seen.filter(s => s.path === '/v1/responses');
		// Only the attempts already on their way when the first 404 came went to /responses.
		expect(toResponses.length).toBeGreaterThanOrEqual(1);
		expect(toResponses.length).toBeLessThanOrEqual(4);
		expect(toResponses.every(s => s.status === 404)).toBe(true);
		expect(proxy.seen.filter(s => s.path === '/v1/chat/completions' && s.status === 200)).toHaveLength(10);
	});

	test('a normal server: stays on Responses, says nothing', async () => {
		const {proxy} = await simBehindProxy();
		const {records, summary, events} = await run(jobs(6), proxy.url, {api: 'auto'});
		expect(records.every(r => r.status === 'succeeded' && r.api === 'responses')).toBe(true);
		expect(summary).toMatchObject({api: 'responses', apiNote: null});
		expect(events.some(e => e.type === 'api')).toBe(false);
		expect(proxy.seen.every(s => s.path === '/v1/responses')).toBe(true);
	});

	test('an unknown model is a 404 too, but not a missing route: no switch, the run stops', async () => {
		const {proxy} = await simBehindProxy();
		const {records, summary} = await run(jobs(3), proxy.url, {api: 'auto', model: 'no-such-model', concurrency: 1});
		expect(records[0]).toMatchObject({status: 'failed', api: 'responses', error: {kind: 'not_found', code: 'model_not_found'}});
		expect(summary.apiNote).toBeNull();
		expect(proxy.seen.every(s => s.path === '/v1/responses')).toBe(true);
	});
});

describe('Batch API lines of both urls in one file', () => {
	test('each line goes to the API its url names; the records say which', async () => {
		const lines = [
			{custom_id: 'r1', method: 'POST', url: '/v1/responses', body: {model: 'gpt-4o-mini', input: 'Say hi.', instructions: 'Be brief.', max_output_tokens: 64}},
			{custom_id: 'c1', method: 'POST', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'system', content: 'Be brief.'}, {role: 'user', content: 'Say hi.'}], max_tokens: 64, temperature: 0.5}},
			{custom_id: 'c2', method: 'POST', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'user', content: [{type: 'text', text: 'Count to three.'}]}]}},
		];
		const specs = parseJobs(lines.map(line => JSON.stringify(line)).join('\n'), 'mixed.jsonl', 'jsonl');
		expect(specs.map(s => s.api)).toEqual(['responses', 'chat', 'chat']);
		expect(specs[1]).toMatchObject({maxOutputTokens: 64, extraBody: {temperature: 0.5}, text: 'Be brief.\n\nSay hi.'});

		const {proxy} = await simBehindProxy();
		// --api chat for the run: the lines' urls still win.
		const {records, summary} = await run(specs, proxy.url, {api: 'chat', concurrency: 1});
		expect(records.map(r => [r.id, r.status, r.api])).toEqual([
			['r1', 'succeeded', 'responses'],
			['c1', 'succeeded', 'chat'],
			['c2', 'succeeded', 'chat'],
		]);
		expect(summary.api).toBe('both');
		expect(proxy.seen.map(s => s.path)).toEqual(['/v1/responses', '/v1/chat/completions', '/v1/chat/completions']);
		const c1 = proxy.seen[1]!.body!;
		expect(c1).toMatchObject({temperature: 0.5, max_completion_tokens: 64, messages: lines[1]!.body.messages});
		expect(c1).not.toHaveProperty('max_tokens');
		// The same prompt on both APIs is billed the same.
		expect(records[0]!.usage!.input_tokens).toBe(records[1]!.usage!.input_tokens);
	});
});
