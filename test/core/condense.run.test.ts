/**
 * `--on-long summarize` end to end: runBatch through the real SDK, a recording proxy and
 * the simulator on loopback. What was condensed, what went verbatim, what fits, what was
 * billed, retries of a condensing call, and a cancel in the middle of a chain.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CONDENSE_INSTRUCTIONS} from '../../src/core/condense.js';
import {countInputTokens} from '../../src/core/tokens.js';
import type {ResultRecord} from '../../src/core/types.js';
import {prepareRun, runBatch, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startRecordingProxy, type RecordingProxy, type SeenRequest} from '../helpers/recordingProxy.js';
import {longDocument} from '../helpers/longText.js';
import {waitUntil} from '../helpers/wait.js';

const MODEL = 'gpt-5.4-mini';
const N = 1500;
const condensing = (request: SeenRequest) => Object.values(CONDENSE_INSTRUCTIONS).includes(request.body?.instructions as string);
const estimateOf = (body: Record<string, unknown> | null) =>
	countInputTokens({text: typeof body?.input === 'string' ? body.input : '', input: body?.input as string | unknown[], ...(typeof body?.instructions === 'string' ? {instructions: body.instructions} : {})}, MODEL);

let sim: Simulator;
let proxy: RecordingProxy;
beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', seed: 5, latencyScale: 0, rpm: Infinity, tpm: Infinity});
	proxy = await startRecordingProxy(sim.url);
});
afterAll(async () => {
	await proxy?.close();
	await sim?.close();
});

const base = (): RunOptions => ({endpoint: {kind: 'api', apiKey: 'sk-test-condense-key', baseURL: proxy.url}, api: 'responses', maxInputTokens: N, onLong: 'summarize'});

async function run(jobs: Parameters<typeof runBatch>[0], extra: RunOptions = {}) {
	const before = proxy.seen.length;
	const records = new Map<string, ResultRecord>();
	const result = await runBatch(jobs, {...base(), ...extra, onEvent: event => void (event.type === 'finished' && records.set(event.record.id, event.record))});
	return {summary: result.summary, records, sent: proxy.seen.slice(before)};
}

describe('--on-long summarize', () => {
	it('a long document: only its context is condensed, in chunks that cover it, each call and the request after them within the limit', async () => {
		const prompt = 'How many sacks did the mill grind in week 7? Answer with the number.';
		const context = longDocument(60);
		const statsBefore = sim.stats();
		const {summary, records, sent} = await run([{id: 'doc', prompt, context}]);
		const calls = sent.filter(condensing);
		const final = sent.filter(request => !condensing(request));
		expect(calls.length).toBeGreaterThan(1);
		expect(final).toHaveLength(1);
		for (const call of calls) {
			expect(call.body?.instructions).toBe(CONDENSE_INSTRUCTIONS.context);
			expect(estimateOf(call.body)).toBeLessThanOrEqual(N);
			expect(call.body?.max_output_tokens).toBeGreaterThanOrEqual(16);
		}
		// One round here: the chunks, in order, are the whole context.
		expect(calls.map(call => call.body?.input).join('')).toBe(context);
		const sentInput = final[0]!.body?.input as string;
		expect(sentInput.startsWith(`${prompt}\n\n`)).toBe(true);
		expect(sentInput).not.toContain(context.slice(0, 200));
		expect(estimateOf(final[0]!.body)).toBeLessThanOrEqual(N);

		const record = records.get('doc')!;
		expect(record).toMatchObject({status: 'succeeded', input_summarized: true, summary_usage: {calls: calls.length}});
		expect(record.condensed_input).toBeUndefined();
		// Exactly what the server billed: the condensing calls and the answer make up all of it.
		const billedIn = sim.stats().tokensIn - statsBefore.tokensIn;
		const billedOut = sim.stats().tokensOut - statsBefore.tokensOut;
		expect(record.summary_usage!.input_tokens + record.usage!.input_tokens).toBe(billedIn);
		expect(record.summary_usage!.output_tokens + record.usage!.output_tokens).toBe(billedOut);
		expect(record.summary_usage!.total_tokens).toBe(record.summary_usage!.input_tokens + record.summary_usage!.output_tokens);
		expect(record.usage!.input_tokens).toBeLessThanOrEqual(N);
		expect(summary.summarized).toMatchObject({prompts: 1, calls: calls.length, tokensIn: record.summary_usage!.input_tokens, tokensOut: record.summary_usage!.output_tokens});
		expect(summary.tokensIn).toBe(billedIn);
		expect(summary.summarized.costUsd).toBeGreaterThan(0);
	});

	it('a long conversation: system and developer items and the last user item go verbatim, the turns between become one item', async () => {
		const system = {role: 'system', content: 'You are the mill\'s bookkeeper. Be exact.'};
		const developer = {role: 'developer', content: [{type: 'input_text', text: 'Quote figures as digits.'}]};
		const turns = Array.from({length: 24}, (_, i) => ({role: i % 2 ? 'assistant' : 'user', content: longDocument(2, i)}));
		const last = {role: 'user', content: [{type: 'input_text', text: 'So, how many sacks in week 2, and who wrote it down?'}]};
		const input = [system, developer, ...turns, last];
		const {records, sent} = await run([{id: 'talk', input}]);
		const calls = sent.filter(condensing);
		expect(calls.length).toBeGreaterThan(0);
		for (const call of calls) expect(call.body?.instructions).toBe(CONDENSE_INSTRUCTIONS.conversation);
		for (const call of calls) expect(estimateOf(call.body)).toBeLessThanOrEqual(N);
		const final = sent.filter(request => !condensing(request));
		expect(final).toHaveLength(1);
		const items = final[0]!.body?.input as unknown[];
		expect(items).toHaveLength(4);
		expect(items[0]).toEqual(system);
		expect(items[1]).toEqual(developer);
		expect(items[2]).toMatchObject({role: 'user', content: expect.stringMatching(/^The earlier conversation, condensed:\n\n/)});
		expect(items[3]).toEqual(last);
		expect(estimateOf(final[0]!.body)).toBeLessThanOrEqual(N);
		expect(records.get('talk')).toMatchObject({status: 'succeeded', input_summarized: true});
	});

	it('a conversation on Chat Completions: every call goes to /chat/completions, the last user message verbatim', async () => {
		const turns = Array.from({length: 16}, (_, i) => ({role: i % 2 ? 'assistant' : 'user', content: longDocument(2, i)}));
		const last = {role: 'user', content: 'Which week was the best?'};
		const {records, sent} = await run([{id: 'chat', input: [...turns, last]}], {api: 'chat'});
		expect(sent.length).toBeGreaterThan(1);
		for (const request of sent) expect(request.path).toBe('/v1/chat/completions');
		const final = sent.at(-1)!.body?.messages as Array<{role: string; content: unknown}>;
		expect(final.at(-1)).toEqual(last);
		expect(final).toHaveLength(2);
		expect(records.get('chat')).toMatchObject({status: 'succeeded', input_summarized: true, api: 'chat'});
	});

	it('a plain prompt is condensed whole, told to keep every question, instruction, name and number; one that fits goes as it is', async () => {
		const long = `Read the log below, then list every week over 60 sacks.\n\n${longDocument(40)}`;
		const {records, sent} = await run([{id: 'plain', prompt: long}, {id: 'short', prompt: 'Say hi.'}]);
		const calls = sent.filter(condensing);
		expect(calls.length).toBeGreaterThan(0);
		for (const call of calls) expect(call.body?.instructions).toBe(CONDENSE_INSTRUCTIONS.prompt);
		expect(CONDENSE_INSTRUCTIONS.prompt).toContain('Keep every question, instruction, name and number');
		expect(sent.filter(request => request.body?.input === 'Say hi.')).toHaveLength(1);
		expect(records.get('short')?.input_summarized).toBeUndefined();
		expect(records.get('plain')).toMatchObject({status: 'succeeded', input_summarized: true});
	});

	it('fails as context_length, sending nothing, when what must stay verbatim leaves no room', async () => {
		const prompt = longDocument(30);
		const {records, sent} = await run([{id: 'big', prompt, context: 'a short context that is not the problem'}]);
		expect(sent).toHaveLength(0);
		expect(records.get('big')).toMatchObject({status: 'failed', error: {kind: 'context_length', message: expect.stringMatching(/cannot be condensed to fit: the parts sent verbatim leave 0 tokens/)}});
	});
});

describe('--on-long summarize under faults and cancels', () => {
	it('a condensing call that fails is retried by the same policy; the chain goes on, the finished pieces are not asked again', async () => {
		const flaky = await startSimulator({profile: 'calm', seed: 11, latencyScale: 0, rpm: Infinity, tpm: Infinity, faults: {server500: 0.35}});
		const flakyProxy = await startRecordingProxy(flaky.url);
		try {
			const records = new Map<string, ResultRecord>();
			await runBatch(
				Array.from({length: 4}, (_, i) => ({id: `doc-${i}`, prompt: 'Total the sacks.', context: longDocument(50, i)})),
				{...base(), endpoint: {kind: 'api', apiKey: 'sk-test-condense-key', baseURL: flakyProxy.url}, backoffBaseMs: 1, backoffMaxMs: 5, maxRetries: 8, onEvent: e => void (e.type === 'finished' && records.set(e.record.id, e.record))},
			);
			const calls = flakyProxy.seen.filter(condensing);
			const failed = calls.filter(call => call.status === 500);
			expect(failed.length).toBeGreaterThan(0);
			for (const call of failed) {
				const again = calls.filter(other => other !== call && JSON.stringify(other.body) === JSON.stringify(call.body));
				expect(again.some(other => other.status === 200)).toBe(true);
			}
			// Each chunk answered once: no body succeeded twice.
			const answered = calls.filter(call => call.status === 200).map(call => JSON.stringify(call.body));
			expect(new Set(answered).size).toBe(answered.length);
			for (const record of records.values()) {
				expect(record).toMatchObject({status: 'succeeded', input_summarized: true});
				expect(record.summary_usage!.calls).toBeGreaterThan(1);
			}
			const retried = [...records.values()].reduce((sum, record) => sum + record.summary_usage!.calls, 0);
			expect(retried).toBe(answered.length);
		} finally {
			await flakyProxy.close();
			await flaky.close();
		}
	});

	it('cancel mid-chain: no further condensing call, no final request, the record says what the calls so far cost', async () => {
		const slow = await startSimulator({profile: 'calm', seed: 2, latencyScale: 1, rpm: Infinity, tpm: Infinity});
		const slowProxy = await startRecordingProxy(slow.url);
		try {
			const records: ResultRecord[] = [];
			const run = await prepareRun([{id: 'doc', prompt: 'Total the sacks.', context: longDocument(80)}], {
				...base(),
				endpoint: {kind: 'api', apiKey: 'sk-test-condense-key', baseURL: slowProxy.url},
				concurrency: 1,
				onEvent: event => void (event.type === 'finished' && records.push(event.record)),
			});
			const done = run.runner.run();
			await waitUntil(() => (run.store.getState().jobs.get('doc')?.condensing?.call ?? 0) >= 2, 'the second condensing call', {timeoutMs: 30_000});
			const view = run.store.getState().jobs.get('doc')!;
			expect(view.status).toBe('running');
			run.runner.cancel('doc');
			const summary = await done;
			await run.finish();
			const sentAtCancel = slowProxy.seen.length;
			expect(summary.cancelled).toBe(1);
			expect(slowProxy.seen.every(condensing)).toBe(true);
			// The first call answered; the second was in flight (or about to leave) at the cancel, and was the last.
			expect(sentAtCancel).toBeGreaterThanOrEqual(1);
			expect(sentAtCancel).toBeLessThanOrEqual(2);
			expect(summary.summarized).toMatchObject({prompts: 0, calls: 1});
			expect(records).toHaveLength(1);
			expect(records[0]).toMatchObject({status: 'cancelled', error: {kind: 'cancelled'}, summary_usage: {calls: 1}});
			expect(records[0]!.input_summarized).toBeUndefined();
			expect(records[0]!.summary_usage!.input_tokens).toBe(summary.summarized.tokensIn);
		} finally {
			await slowProxy.close();
			await slow.close();
		}
	});
});
