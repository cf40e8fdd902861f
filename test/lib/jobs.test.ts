/**
 * The library takes what a prompts file takes: strings, job objects and Batch API lines,
 * checked by the .jsonl parser, through the real SDK against the simulator on loopback.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generate, InputError, runBatch, startSimulator, type BatchJob, type ResultRecord, type RunOptions, type Simulator} from '../../src/index.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';

let sim: Simulator;
let proxy: RecordingProxy;

beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', seed: 3, latencyScale: 0, rpm: Infinity, tpm: Infinity});
	proxy = await startRecordingProxy(sim.url);
});

afterAll(async () => {
	await proxy?.close();
	await sim?.close();
});

const options = (): RunOptions => ({endpoint: {kind: 'api', apiKey: 'sk-test-library-key', baseURL: proxy.url}});

/** Runs the jobs and returns the records by id, and the request bodies this run sent. */
async function run(jobs: readonly BatchJob[], extra: RunOptions = {}) {
	const before = proxy.seen.length;
	const records = new Map<string, ResultRecord>();
	const result = await runBatch(jobs, {
		...options(),
		...extra,
		onEvent: (event) => {
			if (event.type === 'finished') records.set(event.record.id, event.record);
		},
	});
	return {result, records, sent: proxy.seen.slice(before).map((request) => request.body)};
}

/** The InputError `run` throws, and proof that nothing was sent. */
async function refused(jobs: readonly BatchJob[]): Promise<InputError> {
	const before = proxy.seen.length;
	const error = await runBatch(jobs, options()).then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(error).toBeInstanceOf(InputError);
	expect(proxy.seen.length).toBe(before);
	return error as InputError;
}

describe('runBatch takes what a prompts file takes', () => {
	it('runs {id, input} (it used to crash in the tokenizer)', async () => {
		const {result, records, sent} = await run([{id: 'a', input: 'Say hi in three words.'}]);
		expect(result.summary.succeeded).toBe(1);
		expect(records.get('a')).toMatchObject({id: 'a', line: 1, status: 'succeeded', attempts: 1});
		expect(records.get('a')?.output).toEqual(expect.any(String));
		expect(records.get('a')?.usage?.input_tokens).toBeGreaterThan(0);
		expect(sent.map((body) => body?.input)).toEqual(['Say hi in three words.']);
	});

	it('runs prompt strings, ids item-<n> from the 1-based index', async () => {
		const {result, records, sent} = await run(['First prompt.', 'Second prompt.', 'Third prompt.']);
		expect(result.summary).toMatchObject({total: 3, succeeded: 3});
		expect([...records.keys()].sort()).toEqual(['item-1', 'item-2', 'item-3']);
		expect(records.get('item-2')?.line).toBe(2);
		expect(sent.map((body) => body?.input).sort()).toEqual(['First prompt.', 'Second prompt.', 'Third prompt.']);
	});

	it('sends a prompt with its context after it, and the per-job fields', async () => {
		const {records, sent} = await run([
			{
				id: 'q1',
				prompt: 'What colour is the sky in the passage?',
				context: 'In this story the sky is green.',
				model: 'gpt-4o-mini',
				instructions: 'Answer in one word.',
				max_output_tokens: 32,
				metadata: {set: 'passages'},
			},
		]);
		expect(records.get('q1')).toMatchObject({status: 'succeeded', model: expect.stringMatching(/^gpt-4o-mini/)});
		expect(sent).toHaveLength(1);
		expect(sent[0]).toMatchObject({
			input: 'What colour is the sky in the passage?\n\nIn this story the sky is green.',
			model: 'gpt-4o-mini',
			instructions: 'Answer in one word.',
			max_output_tokens: 32,
			metadata: {set: 'passages'},
		});
	});

	it('sends input items as they are, and a Batch API line with its body', async () => {
		const items = [
			{role: 'developer', content: 'Be terse.'},
			{role: 'user', content: [{type: 'input_text', text: 'Name a prime number.'}]},
		];
		const {records, sent} = await run([{id: 'items', input: items}, {custom_id: 'batch-1', method: 'POST', url: '/v1/responses', body: {input: 'Say yes.', reasoning: {effort: 'low'}}}]);
		expect([records.get('items')?.status, records.get('batch-1')?.status, records.get('batch-1')?.error]).toEqual(['succeeded', 'succeeded', null]);
		const byInput = new Map(sent.map((body) => [JSON.stringify(body?.input), body]));
		expect(byInput.get(JSON.stringify(items))).toBeDefined();
		expect(byInput.get(JSON.stringify('Say yes.'))).toMatchObject({reasoning: {effort: 'low'}});
	});

	it('mixes strings, objects and JobSpecs, and a run of none is empty', async () => {
		const {records} = await run(['a string', {prompt: 'an object'}, {id: 'spec', line: 7, input: 'a spec', text: 'a spec'}]);
		expect([...records.keys()].sort()).toEqual(['item-1', 'item-2', 'spec']);
		expect(records.get('spec')?.line).toBe(7);
		const empty = await run([]);
		expect(empty.result.summary.total).toBe(0);
		expect(empty.sent).toEqual([]);
	});

	it.each<[string, BatchJob[], string]>([
		['a blank string', ['ok', '  '], 'jobs[1]: the prompt is empty'],
		['a number', ['ok', 3 as unknown as BatchJob], 'jobs[1]: expected a prompt (a string) or a job object, got a number'],
		['null', [null as unknown as BatchJob], 'jobs[0]: expected a prompt (a string) or a job object, got null'],
		['no prompt', [{id: 'x', text: 'hello'} as unknown as BatchJob], 'jobs[0]: missing "prompt" (or "input"); found "id", "text"'],
		['prompt and input', [{prompt: 'a', input: 'b'}], 'jobs[0]: has both "prompt" and "input"; use one'],
		['a misnamed field', [{prompt: 'a', max_tokens: 64} as BatchJob], 'jobs[0]: "max_tokens" is not a pacer field; did you mean "max_output_tokens"?'],
		['a small max_output_tokens', ['ok', 'ok', 'ok', {prompt: 'a', max_output_tokens: 8}], 'jobs[3]: "max_output_tokens" must be an integer >= 16, got 8'],
		['context beside items', [{input: [{role: 'user', content: 'a'}], context: 'c'}], 'jobs[0]: "context" goes with "prompt" (or a string "input"); with input items, put the context in an item'],
		['a bad item', [{input: ['hi'] as unknown as object[]}], 'jobs[0]: "input"[0] must be an input item object, got a string'],
		['a bad Batch API url', [{custom_id: 'r', url: '/v1/embeddings' as '/v1/responses', body: {input: 'a'}}], 'jobs[0]: "url" must be "/v1/responses" or "/v1/chat/completions", got "/v1/embeddings"'],
	])('refuses %s before any request, naming the item', async (_name, jobs, message) => {
		const error = await refused(jobs);
		expect(error.message).toBe(message);
		expect(error.file).toBe('jobs');
		expect(error.item).toBe(Number(/\[(\d+)\]/.exec(message)![1]));
	});

	it('the messages are the .jsonl reader’s, word for word', async () => {
		const {parseJobs} = await import('../../src/index.js');
		const line = {prompt: 'a', metadata: {n: 1}};
		const fromFile = (() => {
			try {
				parseJobs(JSON.stringify(line), 'f.jsonl', 'jsonl');
			} catch (error) {
				return (error as InputError).reason;
			}
			throw new Error('the file reader accepted it');
		})();
		expect((await refused([line as unknown as BatchJob])).reason).toBe(fromFile);
	});

	it('refuses duplicate ids, a generated one too, listing every problem', async () => {
		const error = await refused([{id: 'a', prompt: 'x'}, 'y', {id: 'a', prompt: 'z'}, {id: 'item-2', prompt: 'w'}, 7 as unknown as BatchJob]);
		expect(error.message).toBe('jobs[2]: duplicate id "a" (first at jobs[0])');
		expect(error.errors.map((e) => e.message)).toEqual([
			'jobs[2]: duplicate id "a" (first at jobs[0])',
			'jobs[3]: duplicate id "item-2" (first at jobs[1])',
			'jobs[4]: expected a prompt (a string) or a job object, got a number',
		]);
		expect(error.errorCount).toBe(3);
		expect(error.detail.split('\n')).toHaveLength(3);
	});

	it('refuses what is not an array', async () => {
		expect((await refused('one prompt' as unknown as BatchJob[])).message).toBe('jobs: expected an array of prompts or job objects, got a string');
	});
});

describe('generate goes through the same path', () => {
	it('runs a string and a job object', async () => {
		const before = proxy.seen.length;
		const plain = await generate('Say hi.', options());
		expect(plain).toMatchObject({id: 'prompt', status: 'succeeded'});
		const object = await generate({id: 'g', prompt: 'Answer from this.', context: 'Cats purr.', max_output_tokens: 20}, options());
		expect(object).toMatchObject({id: 'g', status: 'succeeded'});
		const bodies = proxy.seen.slice(before).map((request) => request.body);
		expect(bodies.map((body) => body?.input)).toEqual(['Say hi.', 'Answer from this.\n\nCats purr.']);
		expect(bodies[1]?.max_output_tokens).toBe(20);
	});

	it('refuses a bad prompt before any request', async () => {
		const before = proxy.seen.length;
		await expect(generate('   ', options())).rejects.toThrow(new InputError('generate', null, 'the prompt is empty'));
		await expect(generate({prompt: 'a', system: 'b'} as never, options())).rejects.toThrow('generate: "system" is not a pacer field; did you mean "instructions"?');
		expect(proxy.seen.length).toBe(before);
	});
});
