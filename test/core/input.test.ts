import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {detectKind, InputError, MAX_LINE_BYTES, MAX_LISTED_ERRORS, parseJobs, readJobs} from '../../src/core/input.js';

const fixtures = new URL('../fixtures/input/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'pacer-input-'));

function problem(run: () => unknown): InputError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(InputError);
		return error as InputError;
	}
	throw new Error('expected an InputError');
}

async function problemAsync(run: () => Promise<unknown>): Promise<InputError> {
	const error = await run().then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(error).toBeInstanceOf(InputError);
	return error as InputError;
}

const jsonl = (...lines: unknown[]) => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');

describe('txt', () => {
	it('reads one prompt per non-blank line, id from the line number', async () => {
		const jobs = await readJobs(join(fixtures, 'prompts.txt'));
		expect(jobs).toEqual([
			{id: 'line-1', line: 1, input: 'Summarise the French Revolution in one line.', text: 'Summarise the French Revolution in one line.'},
			{id: 'line-4', line: 4, input: 'Translate "good morning" to Japanese.', text: 'Translate "good morning" to Japanese.'},
			{id: 'line-5', line: 5, input: 'Write a haiku about <|endoftext|>.', text: 'Write a haiku about <|endoftext|>.'},
		]);
	});

	it('keeps a line verbatim and strips a BOM', () => {
		const jobs = parseJobs(Buffer.from('\uFEFF  indented {json-looking} line  \n'), 'x.txt', 'txt');
		expect(jobs.map((job) => job.text)).toEqual(['  indented {json-looking} line  ']);
	});

	it('reports an empty file and a blank one', () => {
		expect(problem(() => parseJobs('', 'x.txt', 'txt')).message).toBe('x.txt: no prompts (the file is empty)');
		expect(problem(() => parseJobs(' \n\t\r\n\n', 'x.txt', 'txt')).message).toBe('x.txt: no prompts (only blank lines)');
		expect(problem(() => parseJobs('\n\n', 'x.jsonl', 'jsonl')).line).toBeNull();
	});

	it('reports bytes that are not UTF-8 with their line', () => {
		const bytes = Buffer.concat([Buffer.from('fine\nalso fine\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from('\nok\n')]);
		const error = problem(() => parseJobs(bytes, 'x.txt', 'txt'));
		expect(error.message).toBe('x.txt:3: not valid UTF-8');
		expect(error.line).toBe(3);
		expect(error.file).toBe('x.txt');
	});

	it('accepts a real U+FFFD character', () => {
		expect(parseJobs(Buffer.from('a \uFFFD b\n'), 'x.txt', 'txt')[0]?.text).toBe('a \uFFFD b');
	});

	it('reports a line over the size limit without decoding it', () => {
		const long = Buffer.alloc(MAX_LINE_BYTES + 1, 'a');
		const bytes = Buffer.concat([Buffer.from('short\n'), long, Buffer.from('\n')]);
		expect(problem(() => parseJobs(bytes, 'x.txt', 'txt')).message).toBe(`x.txt:2: line is ${MAX_LINE_BYTES + 1} bytes, over the 8 MiB limit`);
		expect(problem(() => parseJobs(`x\n${'é'.repeat(MAX_LINE_BYTES / 2 + 1)}`, 'y.txt', 'txt')).message).toBe(
			`y.txt:2: line is ${MAX_LINE_BYTES + 2} bytes, over the 8 MiB limit`,
		);
	});
});

describe('jsonl', () => {
	it('reads pacer lines and Batch API lines', async () => {
		const jobs = await readJobs(join(fixtures, 'prompts.jsonl'));
		expect(jobs).toEqual([
			{id: 'capital', line: 1, input: 'What is the capital of Australia?', text: 'What is the capital of Australia?', maxOutputTokens: 64},
			{
				id: 'line-2',
				line: 2,
				input: 'Name three prime numbers.',
				text: 'Name three prime numbers.',
				model: 'gpt-4o-mini',
				instructions: 'Answer tersely.',
				metadata: {set: 'math'},
			},
			{
				id: '42',
				line: 4,
				input: [
					{
						role: 'user',
						content: [
							{type: 'input_text', text: 'Describe this:'},
							{type: 'input_image', image_url: 'https://example.com/cat.png'},
						],
					},
				],
				text: 'Describe this:',
			},
			{
				id: 'req-1',
				line: 5,
				input: 'Say hi in three words.',
				text: 'Say hi in three words.',
				model: 'gpt-5.4-mini',
				maxOutputTokens: 256,
				extraBody: {reasoning: {effort: 'low'}},
				api: 'responses',
			},
		]);
	});

	it('joins the text of several input items', () => {
		const [job] = parseJobs(
			jsonl({input: [{role: 'system', content: 'Be kind.'}, {role: 'user', content: [{type: 'input_text', text: 'a'}, {type: 'input_text', text: 'b'}]}]}),
			'x.jsonl',
			'jsonl',
		);
		expect(job?.text).toBe('Be kind.\n\na\nb');
	});

	it('treats null as not set', () => {
		const [job] = parseJobs(jsonl({id: null, prompt: 'p', model: null, instructions: null, max_output_tokens: null, metadata: null}), 'x.jsonl', 'jsonl');
		expect(job).toEqual({id: 'line-1', line: 1, input: 'p', text: 'p'});
	});

	it('appends a context after the prompt, a blank line between, and leaves a blank one out', () => {
		const jobs = parseJobs(jsonl({prompt: 'Answer from the passage.', context: 'The sky is green.'}, {input: 'q', context: '  '}, {prompt: 'p', context: null}), 'x.jsonl', 'jsonl');
		expect(jobs.map((job) => [job.input, job.text])).toEqual([
			['Answer from the passage.\n\nThe sky is green.', 'Answer from the passage.\n\nThe sky is green.'],
			['q', 'q'],
			['p', 'p'],
		]);
	});

	it('ignores fields it does not know, such as dataset labels', () => {
		const [job] = parseJobs(jsonl({prompt: 'p', expected: 'q', label: 3}), 'x.jsonl', 'jsonl');
		expect(job).toEqual({id: 'line-1', line: 1, input: 'p', text: 'p'});
	});

	it.each([
		['{"prompt": "a",}', /^x\.jsonl:1: invalid JSON \(.+\)$/],
		['[1, 2]', /^x\.jsonl:1: expected a JSON object, got an array$/],
		['"just a string"', /^x\.jsonl:1: expected a JSON object, got a string$/],
		['{}', /^x\.jsonl:1: missing "prompt" \(or "input"\)$/],
		['{"text": "hello", "label": 1}', /^x\.jsonl:1: missing "prompt" \(or "input"\); found "text", "label"$/],
		['{"prompt": 5}', /^x\.jsonl:1: "prompt" must be a string, got a number$/],
		['{"prompt": "  "}', /^x\.jsonl:1: "prompt" is empty$/],
		['{"prompt": "a", "input": "b"}', /^x\.jsonl:1: has both "prompt" and "input"; use one$/],
		['{"input": []}', /^x\.jsonl:1: "input" is an empty array$/],
		['{"input": ["hi"]}', /^x\.jsonl:1: "input"\[0\] must be an input item object, got a string$/],
		['{"input": 3}', /^x\.jsonl:1: "input" must be a string or an array of input items, got a number$/],
		['{"id": true, "prompt": "a"}', /^x\.jsonl:1: "id" must be a string \(or an integer\), got true$/],
		['{"id": 1.5, "prompt": "a"}', /^x\.jsonl:1: "id" must be a string \(or an integer\), got 1.5$/],
		['{"id": "", "prompt": "a"}', /^x\.jsonl:1: "id" is empty$/],
		['{"prompt": "a", "context": 3}', /^x\.jsonl:1: "context" must be a string, got a number$/],
		['{"input": [{"role": "user", "content": "a"}], "context": "c"}', /^x\.jsonl:1: "context" goes with "prompt" \(or a string "input"\); with input items, put the context in an item$/],
		['{"prompt": "a", "model": 4}', /^x\.jsonl:1: "model" must be a non-empty string, got a number$/],
		['{"prompt": "a", "instructions": ["x"]}', /^x\.jsonl:1: "instructions" must be a string, got an array$/],
		['{"prompt": "a", "max_output_tokens": 8}', /^x\.jsonl:1: "max_output_tokens" must be an integer >= 16, got 8$/],
		['{"prompt": "a", "max_output_tokens": 100.5}', /^x\.jsonl:1: "max_output_tokens" must be an integer >= 16, got 100.5$/],
		['{"prompt": "a", "max_output_tokens": "256"}', /^x\.jsonl:1: "max_output_tokens" must be an integer >= 16, got "256"$/],
		['{"prompt": "a", "max_tokens": 256}', /^x\.jsonl:1: "max_tokens" is not a pacer field; did you mean "max_output_tokens"\?$/],
		['{"prompt": "a", "system": "be brief"}', /^x\.jsonl:1: "system" is not a pacer field; did you mean "instructions"\?$/],
		['{"messages": [{"role": "user", "content": "a"}]}', /^x\.jsonl:1: "messages" is not a pacer field; that is the Chat Completions shape/],
		['{"prompt": "a", "temperature": 0}', /^x\.jsonl:1: "temperature" is not a pacer field; other request fields go in a Batch API line/],
		['{"prompt": "a", "metadata": "x"}', /^x\.jsonl:1: "metadata" must be an object of strings, got a string$/],
		['{"prompt": "a", "metadata": {"n": 1}}', /^x\.jsonl:1: "metadata.n" must be a string, got a number$/],
		[JSON.stringify({prompt: 'a', metadata: Object.fromEntries(Array.from({length: 17}, (_, i) => [`k${i}`, 'v']))}), /^x\.jsonl:1: "metadata" has 17 keys; the API allows at most 16$/],
		[JSON.stringify({prompt: 'a', metadata: {['k'.repeat(65)]: 'v'}}), /^x\.jsonl:1: "metadata" key .* is over 64 characters$/],
		[JSON.stringify({prompt: 'a', metadata: {k: 'v'.repeat(513)}}), /^x\.jsonl:1: "metadata.k" is 513 characters; the API allows at most 512$/],
		['{"custom_id": "r", "method": "GET", "url": "/v1/responses", "body": {"input": "a"}}', /^x\.jsonl:1: "method" must be "POST", got "GET"$/],
		['{"custom_id": "r", "method": "POST", "url": "/v1/embeddings", "body": {"input": "a"}}', /^x\.jsonl:1: "url" must be "\/v1\/responses" or "\/v1\/chat\/completions", got "\/v1\/embeddings"$/],
		['{"custom_id": "r", "method": "POST", "url": "/v1/chat/completions", "body": {"input": "a"}}', /^x\.jsonl:1: "body\.input" is not a Chat Completions field; the Chat Completions body takes "messages"$/],
		['{"custom_id": "r", "url": "/v1/chat/completions", "body": {"messages": []}}', /^x\.jsonl:1: "body\.messages" is an empty array$/],
		['{"custom_id": "r", "url": "/v1/chat/completions", "body": {"messages": [{"content": "a"}]}}', /^x\.jsonl:1: "body\.messages\[0\]\.role" must be a non-empty string$/],
		['{"custom_id": "r", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": "a"}], "max_tokens": 5, "max_completion_tokens": 5}}', /^x\.jsonl:1: "body" has both "max_completion_tokens" and "max_tokens"; use one$/],
		['{"custom_id": "r", "method": "POST", "url": "/v1/responses"}', /^x\.jsonl:1: Batch API line has no "body"$/],
		['{"custom_id": "r", "body": "x"}', /^x\.jsonl:1: "body" must be an object, got a string$/],
		['{"custom_id": "r", "body": {"model": "gpt-4o"}}', /^x\.jsonl:1: "body.input" is missing$/],
		['{"custom_id": "r", "body": {"messages": []}}', /^x\.jsonl:1: "body.messages" is the Chat Completions shape/],
		['{"custom_id": 7.5, "body": {"input": "a"}}', /^x\.jsonl:1: "custom_id" must be a string \(or an integer\), got 7.5$/],
		['{"custom_id": "r", "body": {"input": "a", "max_output_tokens": 1}}', /^x\.jsonl:1: "body.max_output_tokens" must be an integer >= 16, got 1$/],
	])('reports %s', (line, message) => {
		expect(problem(() => parseJobs(line, 'x.jsonl', 'jsonl')).message).toMatch(message);
	});

	it('names the line of a problem, counting blank lines', () => {
		const error = problem(() => parseJobs(jsonl({prompt: 'a'}, '', '   ', {prompt: 'b'}, '', '', '{oops'), 'prompts.jsonl', 'jsonl'));
		expect(error.message).toMatch(/^prompts\.jsonl:7: invalid JSON \(/);
		expect(error.line).toBe(7);
	});

	it('reports a duplicate id with the line of its first use', () => {
		const text = jsonl({id: 'b', prompt: 'x'}, {id: 'a', prompt: 'x'}, ...Array.from({length: 6}, () => ({prompt: 'y'})), {custom_id: 'a', body: {input: 'z'}});
		expect(problem(() => parseJobs(text, 'x.jsonl', 'jsonl')).message).toBe('x.jsonl:9: duplicate id "a" (first on line 2)');
	});

	it('treats an integer id and its string as the same id', () => {
		expect(problem(() => parseJobs(jsonl({id: 7, prompt: 'x'}, {id: '7', prompt: 'y'}), 'x.jsonl', 'jsonl')).message).toBe(
			'x.jsonl:2: duplicate id "7" (first on line 1)',
		);
	});

	it('reports a clash between an explicit id and a generated one', () => {
		expect(problem(() => parseJobs(jsonl({id: 'line-2', prompt: 'x'}, {prompt: 'y'}), 'x.jsonl', 'jsonl')).message).toBe(
			'x.jsonl:2: duplicate id "line-2" (first on line 1)',
		);
	});

	it('collects several problems, lists a bounded number and counts the rest', () => {
		const lines = Array.from({length: 30}, (_, i) => (i % 2 === 0 ? '{bad' : JSON.stringify({prompt: 'ok'})));
		const error = problem(() => parseJobs(lines.join('\n'), 'x.jsonl', 'jsonl'));
		expect(error.message).toMatch(/^x\.jsonl:1: invalid JSON/);
		expect(error.errorCount).toBe(15);
		expect(error.errors).toHaveLength(15);
		expect(error.errors.map((e) => e.line)).toEqual(Array.from({length: 15}, (_, i) => 2 * i + 1));
		const many = problem(() => parseJobs(Array.from({length: 50}, () => '{').join('\n'), 'y.jsonl', 'jsonl'));
		expect(many.errors).toHaveLength(MAX_LISTED_ERRORS);
		expect(many.errorCount).toBe(50);
		expect(many.detail.split('\n')).toHaveLength(MAX_LISTED_ERRORS + 1);
		expect(many.detail).toMatch(/\.\.\. and 30 more problems$/);
	});
});

describe('readJobs', () => {
	it('reports a missing file and a directory', async () => {
		expect((await problemAsync(() => readJobs(join(scratch, 'nope.jsonl')))).message).toBe(`${join(scratch, 'nope.jsonl')}: no such file`);
		expect((await problemAsync(() => readJobs(scratch, {displayName: 'x'}))).message).toBe('x: is a directory');
	});

	it('reads stdin as JSON Lines when it starts with {, else as text', async () => {
		const asJsonl = await readJobs('-', {stdin: Readable.from(['\n  {"prompt": "a"}\n', '{"prompt": "b"}\n'])});
		expect(asJsonl.map((job) => [job.id, job.text])).toEqual([
			['line-2', 'a'],
			['line-3', 'b'],
		]);
		const asText = await readJobs('-', {stdin: Readable.from([Buffer.from('hello\nworld\n')])});
		expect(asText.map((job) => job.text)).toEqual(['hello', 'world']);
	});

	it('names stdin in errors', async () => {
		expect((await problemAsync(() => readJobs('-', {stdin: Readable.from(['{"prompt": 1}\n'])}))).message).toBe(
			'<stdin>:1: "prompt" must be a string, got a number',
		);
		expect((await problemAsync(() => readJobs('-', {stdin: Readable.from([])}))).message).toBe('<stdin>: no prompts (the file is empty)');
	});

	it('trusts .txt and .jsonl extensions and sniffs the rest', async () => {
		const txt = join(scratch, 'looks-like-json.txt');
		writeFileSync(txt, '{"prompt": "a"}\n');
		expect((await readJobs(txt))[0]?.text).toBe('{"prompt": "a"}');
		const bare = join(scratch, 'prompts');
		writeFileSync(bare, '{"prompt": "a"}\n');
		expect((await readJobs(bare))[0]?.text).toBe('a');
		expect(detectKind('x.ndjson', 'hello')).toBe('jsonl');
		expect(detectKind('x.csv', 'a,b')).toBe('txt');
		expect(detectKind('x.json', '\uFEFF\n{"prompt": "a"}')).toBe('jsonl');
	});

	it('refuses a .json array with a clear message', async () => {
		expect((await problemAsync(() => readJobs(join(fixtures, 'array.json'), {displayName: 'array.json'}))).message).toBe(
			'array.json:1: a JSON array is not supported; write one JSON object per line (JSON Lines, .jsonl)',
		);
	});

	it('honours an explicit kind', async () => {
		const jobs = await readJobs(join(fixtures, 'mixed.json'), {kind: 'txt'});
		expect(jobs).toHaveLength(2);
	});
});

describe('properties', () => {
	it('any bytes either parse or fail with an InputError', () => {
		fc.assert(
			fc.property(fc.uint8Array({maxLength: 300}), fc.constantFrom('txt' as const, 'jsonl' as const), (bytes, kind) => {
				expectParsesOrInputError(() => parseJobs(Buffer.from(bytes), 'f', kind));
			}),
			{numRuns: 500},
		);
	});

	it('any strings either parse or fail with an InputError', () => {
		fc.assert(
			fc.property(fc.string({unit: 'binary', maxLength: 300}), fc.constantFrom('txt' as const, 'jsonl' as const), (text, kind) => {
				expectParsesOrInputError(() => parseJobs(text, 'f', kind));
			}),
			{numRuns: 500},
		);
	});

	it('any JSON lines near the accepted shapes either parse or fail with an InputError', () => {
		const key = fc.constantFrom('id', 'custom_id', 'prompt', 'input', 'model', 'instructions', 'max_output_tokens', 'metadata', 'body', 'method', 'url', '__proto__', 'stream', 'other');
		const value = fc.oneof(fc.jsonValue({maxDepth: 3}), fc.constantFrom('POST', '/v1/responses', 16, 256, 'hi'));
		const object: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{node: Record<string, unknown>}>((tie) => ({
			node: fc.dictionary(key, fc.oneof({depthSize: 'small'}, value, tie('node')), {maxKeys: 6}),
		})).node;
		fc.assert(
			fc.property(fc.array(object, {maxLength: 6}), (lines) => {
				expectParsesOrInputError(() => parseJobs(lines.map((line) => JSON.stringify(line)).join('\n'), 'f', 'jsonl'));
			}),
			{numRuns: 500},
		);
	});

	it('round trip: prompts written as JSON Lines come back with their ids, text and order', () => {
		const prompt = fc.string({minLength: 1, maxLength: 80}).filter((text) => text.trim() !== '');
		const id = fc.option(fc.string({minLength: 1, maxLength: 12}).filter((text) => !text.startsWith('line-')), {nil: undefined});
		fc.assert(
			fc.property(fc.uniqueArray(fc.record({id, prompt}), {minLength: 1, maxLength: 30, selector: (entry) => entry.id ?? Symbol()}), (entries) => {
				const text = entries.map((entry) => JSON.stringify(entry.id === undefined ? {prompt: entry.prompt} : {id: entry.id, prompt: entry.prompt})).join('\n') + '\n';
				const jobs = parseJobs(Buffer.from(text, 'utf8'), 'f.jsonl', 'jsonl');
				expect(jobs.map((job) => [job.id, job.text, job.line])).toEqual(entries.map((entry, i) => [entry.id ?? `line-${i + 1}`, entry.prompt, i + 1]));
			}),
			{numRuns: 300},
		);
	});

	it('round trip: prompts written one a line as text come back in order', () => {
		const prompt = fc.string({minLength: 1, maxLength: 80}).filter((text) => text.trim() !== '' && !/[\n\r]/.test(text) && !text.startsWith('\uFEFF'));
		fc.assert(
			fc.property(fc.array(prompt, {minLength: 1, maxLength: 30}), (prompts) => {
				const jobs = parseJobs(prompts.join('\n'), 'f.txt', 'txt');
				expect(jobs.map((job) => job.text)).toEqual(prompts);
			}),
			{numRuns: 300},
		);
	});
});

function expectParsesOrInputError(run: () => unknown): void {
	try {
		run();
	} catch (error) {
		if (!(error instanceof InputError)) {
			throw error;
		}
		expect(error.message).toMatch(/^f(:\d+)?: /);
	}
}
