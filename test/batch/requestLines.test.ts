/**
 * A batch carries the requests a live run sends: the same bodies (styles, instructions,
 * truncation, chat lines), without `stream`, one endpoint and one model a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {batchJobRequests} from '../../src/batch/prepareBatchRun.js';
import {requestParts} from '../../src/batch/requestLines.js';
import {readState, statePathFor} from '../../src/batch/stateFile.js';
import {parseJobs} from '../../src/core/input.js';
import {runBatch, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {fast, tempDir} from './helpers.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
const open: Array<Simulator | RecordingProxy> = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map(s => s.close()));
});

const jsonl = [
	JSON.stringify({id: 'plain', prompt: 'What is a prime number?'}),
	JSON.stringify({id: 'ctx', prompt: 'Summarise this.', context: 'A long context about rivers and the sea. '.repeat(40), max_output_tokens: 64}),
	JSON.stringify({custom_id: 'chat-1', method: 'POST', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'user', content: 'Hello there'}], max_completion_tokens: 50, temperature: 0.5}}),
	JSON.stringify({custom_id: 'resp-1', method: 'POST', url: '/v1/responses', body: {model: 'gpt-4o-mini', input: 'Name a colour.', max_output_tokens: 40, stream: true}}),
].join('\n');
const jobs = parseJobs(jsonl, 'mixed.jsonl', 'jsonl');

/** What the live run sent for each id, and what the batch files carry for it. */
async function bodies(options: Partial<RunOptions>) {
	const sim = await startSimulator({latencyScale: 0, batchTimeScale: 0.001, rpm: Infinity, tpm: Infinity});
	const proxy = await startRecordingProxy(sim.url);
	open.push(proxy, sim);
	const common = {model: 'gpt-4o-mini', ...options};
	await runBatch(jobs, {...common, out: null, endpoint: {kind: 'api', apiKey: 'sk-test-local', baseURL: proxy.url}, concurrency: 1});
	const live = proxy.seen.map(seen => ({path: seen.path, body: seen.body!}));
	const out = path.join(dir, `${options.api ?? 'auto'}-${options.style ?? 'none'}.jsonl`);
	await runBatch(jobs, {...common, ...fast, out, endpoint: {kind: 'api', apiKey: 'sk-test-local', baseURL: sim.url}});
	const openai = new OpenAI({apiKey: 'sk-test-local', baseURL: sim.url, maxRetries: 0});
	const lines: Array<{custom_id: string; url: string; body: Record<string, unknown>}> = [];
	for (const part of readState(statePathFor(out))!.parts) {
		const text = await (await openai.files.content(part.fileId!)).text();
		for (const line of text.trim().split('\n')) lines.push(JSON.parse(line));
	}
	return {live, lines};
}

function withoutStreaming(body: Record<string, unknown>): Record<string, unknown> {
	const {stream: _stream, stream_options: _options, ...rest} = body;
	return rest;
}

describe('request lines', () => {
	test.each([
		{api: 'auto' as const, style: 'short' as const, instructions: 'Be kind.'},
		{api: 'chat' as const, style: 'long' as const},
		{api: 'responses' as const, maxInputTokens: 60, onLong: 'truncate' as const},
	])('the body of every line is the live request body, stream left out (%o)', {timeout: 30_000}, async options => {
		const {live, lines} = await bodies(options);
		expect(lines.map(l => l.custom_id).sort()).toEqual(['chat-1', 'ctx', 'plain', 'resp-1']);
		expect(live).toHaveLength(4);
		for (const line of lines) {
			expect(line.body).not.toHaveProperty('stream');
			const sent = live.find(l => JSON.stringify(withoutStreaming(l.body)) === JSON.stringify(line.body));
			expect(sent, `${line.custom_id}: no live request had this body: ${JSON.stringify(line.body)}`).toBeDefined();
			expect(line.url).toBe(sent!.path);
		}
		// Chat Batch lines keep chat; the rest follow --api (auto goes to Responses).
		const urlOf = (id: string) => lines.find(l => l.custom_id === id)!.url;
		expect(urlOf('chat-1')).toBe('/v1/chat/completions');
		expect(urlOf('resp-1')).toBe('/v1/responses');
		expect(urlOf('plain')).toBe(options.api === 'chat' ? '/v1/chat/completions' : '/v1/responses');
		const ctx = JSON.stringify(lines.find(l => l.custom_id === 'ctx')!.body);
		if ('maxInputTokens' in options) expect(ctx.length).toBeLessThan(600);
		else expect(ctx.length).toBeGreaterThan(1600);
	});

	test('a new part starts where the endpoint or the model changes, or a limit would be passed', async () => {
		const specs = parseJobs(
			[
				JSON.stringify({prompt: 'a'}),
				JSON.stringify({prompt: 'b'}),
				JSON.stringify({prompt: 'c', model: 'gpt-4.1-mini'}),
				JSON.stringify({custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: {model: 'gpt-4o-mini', messages: [{role: 'user', content: 'd'}]}}),
				JSON.stringify({prompt: 'e'}),
				JSON.stringify({prompt: 'f'}),
				JSON.stringify({prompt: 'g'}),
			].join('\n'),
			'parts.jsonl',
			'jsonl',
		);
		const parts = [];
		for await (const part of requestParts(batchJobRequests(specs, {model: 'gpt-4o-mini'}), {maxRequests: 2, keepContent: true})) parts.push(part);
		expect(parts.map(p => [p.firstLine, p.lastLine, p.endpoint, p.model])).toEqual([
			[1, 2, '/v1/responses', 'gpt-4o-mini'],
			[3, 3, '/v1/responses', 'gpt-4.1-mini'],
			[4, 4, '/v1/chat/completions', 'gpt-4o-mini'],
			[5, 6, '/v1/responses', 'gpt-4o-mini'],
			[7, 7, '/v1/responses', 'gpt-4o-mini'],
		]);
		for (const part of parts) expect(Buffer.concat(part.content!).length).toBe(part.bytes);
	});
});
