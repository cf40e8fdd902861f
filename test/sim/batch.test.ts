/** The simulator's Files and Batches APIs, through the official SDK, against the official schemas. */
import OpenAI, {APIError, toFile} from 'openai';
import {describe, expect, it} from 'vitest';
import type {Simulator, SimulatorOptions} from '../../src/sim/index.js';
import {assertSchema} from '../helpers/openapi.js';
import {waitUntil} from '../helpers/wait.js';
import {caught, client, raw, sim} from './helpers.js';

interface OutputLine {
	id: string;
	custom_id: string;
	response: {status_code: number; request_id: string; body: any} | null;
	error: {code: string; message: string} | null;
}

const responsesLine = (i: number): string =>
	JSON.stringify({custom_id: `req-${i}`, method: 'POST', url: '/v1/responses', body: {model: 'gpt-4o-mini', input: `Prompt number ${i}.`, max_output_tokens: 256}});
const chatLine = (i: number): string =>
	JSON.stringify({
		custom_id: `chat-${i}`,
		method: 'POST',
		url: '/v1/chat/completions',
		body: {model: 'gpt-4o-mini', messages: [{role: 'user', content: `Prompt number ${i}.`}], max_completion_tokens: 256},
	});

async function setUp(options: SimulatorOptions = {}): Promise<{simulator: Simulator; openai: OpenAI}> {
	const simulator = await sim({batchTimeScale: 0.002, ...options});
	return {simulator, openai: client(simulator)};
}

async function upload(openai: OpenAI, lines: string[]): Promise<string> {
	const file = await openai.files.create({file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'input.jsonl'), purpose: 'batch'});
	assertSchema('OpenAIFile', file);
	expect(file).toMatchObject({object: 'file', purpose: 'batch', filename: 'input.jsonl'});
	return file.id;
}

/**
 * Waits (waitUntil, which throws on timeout) for a polled value: the SDK call runs in a
 * loop beside it and the probe reads the latest answer.
 */
async function polled<T>(fetchValue: () => Promise<T>, holds: (value: T) => boolean, what: string): Promise<T> {
	let last: T | undefined;
	let failure: unknown;
	let stop = false;
	const loop = (async () => {
		while (!stop) {
			try {
				last = await fetchValue();
			} catch (error) {
				failure = error;
				return;
			}
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
	})();
	try {
		return await waitUntil(
			() => {
				if (failure) throw failure;
				return last !== undefined && holds(last) ? last : null;
			},
			what,
			{timeoutMs: 20_000, seen: () => JSON.stringify(last)},
		);
	} finally {
		stop = true;
		await loop;
	}
}

const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];

/** The batch once it has ended, every answer on the way checked against the schema. */
async function settled(openai: OpenAI, id: string, statuses: string[] = []): Promise<OpenAI.Batches.Batch> {
	const seen = new Set<string>();
	const done = await polled(
		async () => {
			const batch = await openai.batches.retrieve(id);
			assertSchema('Batch', batch);
			seen.add(batch.status);
			return batch;
		},
		(batch) => TERMINAL.includes(batch.status),
		`batch ${id} to end`,
	);
	for (const status of statuses) expect([...seen]).toContain(status);
	return done;
}

async function lines(openai: OpenAI, fileId: string | null | undefined): Promise<OutputLine[]> {
	if (!fileId) return [];
	assertSchema('OpenAIFile', await openai.files.retrieve(fileId));
	const text = await (await openai.files.content(fileId)).text();
	return text.trimEnd().split('\n').map((line) => JSON.parse(line) as OutputLine);
}

describe('the Batch API simulator', () => {
	it('runs a whole cycle: upload, validating -> in_progress -> completed, output lines shuffled with real bodies', async () => {
		const {openai} = await setUp({batchTimeScale: 0.02});
		const inputFileId = await upload(openai, Array.from({length: 30}, (_, i) => responsesLine(i)));
		const created = await openai.batches.create({input_file_id: inputFileId, endpoint: '/v1/responses', completion_window: '24h', metadata: {run: 'demo'}});
		assertSchema('Batch', created);
		expect(created).toMatchObject({object: 'batch', status: 'validating', input_file_id: inputFileId, metadata: {run: 'demo'}});
		const running = await polled(() => openai.batches.retrieve(created.id), (b) => b.status === 'in_progress', 'the batch to run');
		assertSchema('Batch', running);
		expect(running.request_counts!.total).toBe(30);
		const batch = await settled(openai, created.id, ['completed']);
		expect(batch.request_counts).toEqual({total: 30, completed: 30, failed: 0});
		expect(batch.error_file_id).toBeUndefined();
		expect(batch.in_progress_at).toBeGreaterThanOrEqual(batch.created_at);
		expect(batch.finalizing_at).toBeGreaterThanOrEqual(batch.in_progress_at!);
		expect(batch.completed_at).toBeGreaterThanOrEqual(batch.finalizing_at!);
		const output = await lines(openai, batch.output_file_id);
		expect(output.map((line) => line.custom_id).sort()).toEqual(Array.from({length: 30}, (_, i) => `req-${i}`).sort());
		expect(output.map((line) => line.custom_id)).not.toEqual(Array.from({length: 30}, (_, i) => `req-${i}`));
		let input = 0;
		for (const line of output) {
			expect(line.id).toMatch(/^batch_req_/);
			expect(line.error).toBeNull();
			expect(line.response?.status_code).toBe(200);
			assertSchema('Response', line.response!.body);
			expect(line.response!.body.usage.input_tokens).toBeGreaterThan(5);
			input += line.response!.body.usage.input_tokens;
		}
		expect(batch.usage?.input_tokens).toBe(input);
	});

	it('gives the same usage and text as the live route for the same prompt', async () => {
		const {openai} = await setUp();
		const live = await openai.chat.completions.create({model: 'gpt-4o-mini', messages: [{role: 'user', content: 'Prompt number 3.'}], max_completion_tokens: 256});
		const batch = await openai.batches.create({input_file_id: await upload(openai, [chatLine(3), chatLine(4)]), endpoint: '/v1/chat/completions', completion_window: '24h'});
		const done = await settled(openai, batch.id, ['completed']);
		const line = (await lines(openai, done.output_file_id)).find((l) => l.custom_id === 'chat-3')!;
		assertSchema('CreateChatCompletionResponse', line.response!.body);
		expect(line.response!.body.usage).toEqual(live.usage);
		expect(line.response!.body.choices[0].message.content).toBe(live.choices[0].message.content);
	});

	it('puts the seeded badRequest share in the error file as 400 lines', async () => {
		const {openai} = await setUp({faults: {badRequest: 0.3}});
		const batch = await openai.batches.create({input_file_id: await upload(openai, Array.from({length: 40}, (_, i) => responsesLine(i))), endpoint: '/v1/responses', completion_window: '24h'});
		const done = await settled(openai, batch.id, ['completed']);
		expect(done.request_counts!.failed).toBeGreaterThan(0);
		expect(done.request_counts!.completed + done.request_counts!.failed).toBe(40);
		const failed = await lines(openai, done.error_file_id);
		expect(failed).toHaveLength(done.request_counts!.failed);
		for (const line of failed) {
			expect(line.error).toBeNull();
			expect(line.response?.status_code).toBe(400);
			assertSchema('ErrorResponse', line.response!.body);
			expect(line.response!.body.error.code).toBe('invalid_prompt');
		}
		expect(await lines(openai, done.output_file_id)).toHaveLength(done.request_counts!.completed);
	});

	it('answers a line the live route would refuse with that refusal, in the error file', async () => {
		const {openai} = await setUp();
		const tooSmall = JSON.stringify({custom_id: 'small', method: 'POST', url: '/v1/responses', body: {model: 'gpt-4o-mini', input: 'x', max_output_tokens: 8}});
		const batch = await openai.batches.create({input_file_id: await upload(openai, [responsesLine(1), tooSmall]), endpoint: '/v1/responses', completion_window: '24h'});
		const done = await settled(openai, batch.id, ['completed']);
		expect(done.request_counts).toEqual({total: 2, completed: 1, failed: 1});
		const [line] = await lines(openai, done.error_file_id);
		expect(line.custom_id).toBe('small');
		expect(line.response?.status_code).toBe(400);
		assertSchema('ErrorResponse', line.response!.body);
		expect(line.response!.body.error).toMatchObject({param: 'max_output_tokens', code: 'integer_below_min_value'});
	});

	it('fails a batch whose input has a bad line, naming the line', async () => {
		const {openai} = await setUp();
		const input = [responsesLine(0), '{not json', responsesLine(0), chatLine(1)];
		const batch = await openai.batches.create({input_file_id: await upload(openai, input), endpoint: '/v1/responses', completion_window: '24h'});
		const done = await settled(openai, batch.id, ['failed']);
		expect(done.status).toBe('failed');
		expect(done.failed_at).toBeGreaterThan(0);
		expect(done.errors?.data?.map((e) => [e.line, e.code])).toEqual([
			[2, 'invalid_json_line'],
			[3, 'duplicate_custom_id'],
			[4, 'mismatched_endpoint'],
		]);
		expect(done.output_file_id).toBeUndefined();
	});

	it('expires part-way: finished lines in the output, the rest batch_expired in the error file', async () => {
		const {openai} = await setUp({batchExpireAfter: 4});
		const batch = await openai.batches.create({input_file_id: await upload(openai, Array.from({length: 10}, (_, i) => responsesLine(i))), endpoint: '/v1/responses', completion_window: '24h'});
		const done = await settled(openai, batch.id, ['expired']);
		expect(done.status).toBe('expired');
		expect(done.request_counts).toEqual({total: 10, completed: 4, failed: 6});
		const output = await lines(openai, done.output_file_id);
		const expired = await lines(openai, done.error_file_id);
		expect(output).toHaveLength(4);
		expect(expired).toHaveLength(6);
		for (const line of expired) expect(line).toMatchObject({response: null, error: {code: 'batch_expired'}});
		expect(new Set([...output, ...expired].map((l) => l.custom_id)).size).toBe(10);
	});

	it('cancels: cancelling, then cancelled with the partial results kept', async () => {
		const {openai} = await setUp({batchTimeScale: 0.05});
		const batch = await openai.batches.create({input_file_id: await upload(openai, Array.from({length: 200}, (_, i) => responsesLine(i))), endpoint: '/v1/responses', completion_window: '24h'});
		await polled(() => openai.batches.retrieve(batch.id), (b) => b.request_counts!.completed >= 2, 'two requests to finish');
		const cancelling = await openai.batches.cancel(batch.id);
		assertSchema('Batch', cancelling);
		expect(cancelling.status).toBe('cancelling');
		const done = await settled(openai, batch.id);
		expect(done.status).toBe('cancelled');
		expect(done.cancelled_at).toBeGreaterThanOrEqual(done.cancelling_at!);
		expect(done.request_counts!.completed).toBeLessThan(200);
		expect(await lines(openai, done.output_file_id)).toHaveLength(done.request_counts!.completed);
	});

	it('lists batches newest first with after/limit, and 404s unknown ids', async () => {
		const {simulator, openai} = await setUp();
		const fileId = await upload(openai, [responsesLine(0)]);
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) ids.push((await openai.batches.create({input_file_id: fileId, endpoint: '/v1/responses', completion_window: '24h'})).id);
		const first = await openai.batches.list({limit: 2});
		const wire = await (await raw(simulator, '/batches?limit=2', {method: 'GET'})).json();
		assertSchema('ListBatchesResponse', wire);
		expect(wire).toMatchObject({first_id: ids[2], last_id: ids[1], has_more: true});
		expect(first.data.map((b) => b.id)).toEqual([ids[2], ids[1]]);
		expect(first.has_more).toBe(true);
		const all: string[] = [];
		for await (const batch of openai.batches.list({limit: 2})) all.push(batch.id);
		expect(all).toEqual([...ids].reverse());
		const missing = (await caught(() => openai.batches.retrieve('batch_nope'))) as APIError;
		expect(missing.status).toBe(404);
		const badEndpoint = (await caught(() => openai.batches.create({input_file_id: fileId, endpoint: '/v1/embeddings', completion_window: '24h'}))) as APIError;
		expect(badEndpoint.status).toBe(400);
		const badPurpose = (await caught(async () => openai.files.create({file: await toFile(Buffer.from('{}\n'), 'x.jsonl'), purpose: 'fine-tune'}))) as APIError;
		expect([badPurpose.status, badPurpose.param]).toEqual([400, 'purpose']);
		expect(((await caught(() => openai.files.retrieve('file-nope'))) as APIError).status).toBe(404);
	});
});
