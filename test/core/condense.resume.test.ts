/**
 * A condensed text is made once per prompt: the record of a prompt whose answer failed
 * after condensing keeps the condensed input, and `--resume` sends it as it is. Run 1
 * goes to a scripted server (condensing answered, the request refused, billing known to
 * the token); run 2 to the simulator through a recording proxy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CONDENSE_INSTRUCTIONS} from '../../src/core/condense.js';
import {readResults} from '../../src/core/results.js';
import {runBatch, type RunOptions} from '../../src/runBatch.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {startScriptedServer, type ScriptedServer} from '../helpers/scriptedServer.js';
import {longDocument} from '../helpers/longText.js';

const isCondensing = (body: Record<string, unknown> | null) => Object.values(CONDENSE_INSTRUCTIONS).includes(body?.instructions as string);
const PIECE = 'the mill ground many sacks in every week';

let dir: string;
let scripted: ScriptedServer;
let sim: Simulator;
let proxy: RecordingProxy;
beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-condense-resume-'));
	scripted = await startScriptedServer({
		answer: (_n, _input, request) => (isCondensing(request.body) ? {kind: 'reply', text: PIECE} : {kind: 'error', status: 400, type: 'invalid_request_error', code: 'invalid_value', message: 'scripted refusal'}),
	});
	sim = await startSimulator({latencyScale: 0, rpm: Infinity, tpm: Infinity});
	proxy = await startRecordingProxy(sim.url);
});
afterAll(async () => {
	await scripted?.close();
	await proxy?.close();
	await sim?.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

describe('--resume after condensing', () => {
	it('keeps the condensed input of a failed prompt and sends it again without condensing again', async () => {
		const out = path.join(dir, 'results.jsonl');
		const jobs = [{id: 'doc', prompt: 'Total the sacks.', context: longDocument(40)}];
		const options: RunOptions = {out, api: 'responses', maxInputTokens: 1200, onLong: 'summarize'};
		const first = await runBatch(jobs, {...options, endpoint: {kind: 'api', apiKey: 'sk-test-resume-key', baseURL: scripted.url}});
		expect(first.summary.failed).toBe(1);
		const calls = scripted.requests.filter(request => isCondensing(request.body));
		expect(calls.length).toBeGreaterThan(1);
		const failed = readResults(out).latest.get('doc')!;
		// Exactly what the server billed: 8 input tokens and one a word of the piece, a call.
		expect(failed).toMatchObject({
			status: 'failed',
			input_summarized: true,
			summary_usage: {calls: calls.length, input_tokens: 8 * calls.length, output_tokens: PIECE.split(' ').length * calls.length},
			condensed_input: `Total the sacks.\n\n${Array(calls.length).fill(PIECE).join('\n\n')}`,
		});
		const refused = scripted.requests.filter(request => !isCondensing(request.body));
		expect(refused.map(request => request.body?.input)).toEqual([failed.condensed_input]);

		const second = await runBatch(jobs, {...options, resume: true, endpoint: {kind: 'api', apiKey: 'sk-test-resume-key', baseURL: proxy.url}});
		expect(second.summary.succeeded).toBe(1);
		expect(second.summary.summarized.calls).toBe(0);
		expect(proxy.seen.map(request => isCondensing(request.body))).toEqual([false]);
		expect(proxy.seen[0]!.body?.input).toBe(failed.condensed_input);
		const done = readResults(out).latest.get('doc')!;
		expect(done).toMatchObject({status: 'succeeded', input_summarized: true, summary_usage: failed.summary_usage});
		expect(done.condensed_input).toBeUndefined();
	});

	it('condenses again when the limit changed since (the kept text was made for another)', async () => {
		const out = path.join(dir, 'changed.jsonl');
		const jobs = [{id: 'doc', prompt: 'Total the sacks.', context: longDocument(40)}];
		await runBatch(jobs, {out, api: 'responses', maxInputTokens: 1200, onLong: 'summarize', endpoint: {kind: 'api', apiKey: 'sk-test-resume-key', baseURL: scripted.url}});
		const before = proxy.seen.length;
		await runBatch(jobs, {out, api: 'responses', maxInputTokens: 1000, onLong: 'summarize', resume: true, endpoint: {kind: 'api', apiKey: 'sk-test-resume-key', baseURL: proxy.url}});
		expect(proxy.seen.slice(before).filter(request => isCondensing(request.body)).length).toBeGreaterThan(0);
	});
});
