/**
 * The dashboard's engine in a real worker thread (the built dist/worker/engineWorker.js),
 * against the built-in simulator it starts on loopback: what it reports lands in the
 * dashboard's store, and controls sent from this thread take effect there.
 */
import {execFileSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeAll, beforeEach, expect, test} from 'vitest';
import {previewStore} from '../../src/components/previewRun.js';
import type {JobSpec} from '../../src/core/types.js';
import type {RunStore} from '../../src/store/runStore.js';
import {startRemoteRun, type RemoteRun} from '../../src/worker/remoteRun.js';
import {readRecords, ROOT} from '../helpers/cli.js';
import {waitUntil} from '../helpers/wait.js';

const ENTRY = new URL(`file://${path.join(ROOT, 'dist/worker/engineWorker.js')}`);
let dir: string;
let run: RemoteRun | null = null;

beforeAll(() => {
	if (!fs.existsSync(ENTRY)) execFileSync('npm', ['run', 'build'], {cwd: ROOT, stdio: 'ignore'});
}, 120_000);
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-worker-'));
});
afterEach(async () => {
	await run?.finish().catch(() => {});
	run = null;
	fs.rmSync(dir, {recursive: true, force: true});
});

/** A prompts file of `n` lines, and the dashboard's store drawn from it as the first frame is. */
function promptsFile(n: number): {file: string; store: RunStore} {
	const file = path.join(dir, 'prompts.txt');
	const lines = Array.from({length: n}, (_, i) => `Prompt ${i + 1}: name a colour`);
	fs.writeFileSync(file, `${lines.join('\n')}\n`);
	const jobs: JobSpec[] = lines.map((text, i) => ({id: `line-${i + 1}`, line: i + 1, input: text, text}));
	return {file, store: previewStore({jobs, model: 'gpt-5.4-mini'})};
}

function start(file: string, store: RunStore, options: {concurrency?: number} = {}): Promise<RemoteRun> {
	return startRemoteRun({
		entry: ENTRY,
		store,
		start: {
			input: {file},
			options: {out: path.join(dir, 'out.jsonl'), model: 'gpt-5.4-mini', concurrency: options.concurrency ?? 8, maxOutputTokens: 32},
			endpoint: {kind: 'sim', profile: 'calm', seed: 4, options: {latencyScale: 0.05}},
			rowsShown: {model: 'gpt-5.4-mini'},
		},
	});
}

test('a run in the worker ends with every prompt in --out exactly once, and the store saw each end', async () => {
	const n = 120;
	const {file, store} = promptsFile(n);
	run = await start(file, store);
	const summary = await run.runner.run();
	expect(summary.succeeded).toBe(n);
	const end = await run.finish();
	expect(end.succeeded).toBe(n);
	const ids = readRecords(path.join(dir, 'out.jsonl')).map(record => record.id);
	expect(ids).toHaveLength(n);
	expect(new Set(ids).size).toBe(n);
	expect(store.getState().counts.succeeded).toBe(n);
	expect(store.getState().run.phase).toBe('done');
	// A row read from the file got its token estimate from the engine.
	expect(store.getState().jobs.get('line-1')?.tokensIn).toBeGreaterThan(0);
}, 60_000);

test('pause and concurrency sent from this thread take effect in the worker', async () => {
	const n = 40;
	const {file, store} = promptsFile(n);
	run = await start(file, store, {concurrency: 2});
	// Paused before it starts: nothing is sent until resume.
	run.runner.pause();
	run.runner.setConcurrency(5);
	const ran = run.runner.run();
	await waitUntil(() => store.getState().run.phase === 'paused', 'the store to say the run is paused', {timeoutMs: 15_000, seen: () => store.getState().run.phase});
	await waitUntil(() => store.getState().rate.concurrency === 5 && store.getState().rate.concurrencyMode === 'fixed', 'concurrency 5, fixed', {timeoutMs: 15_000});
	expect(store.getState().counts.running + store.getState().counts.succeeded).toBe(0);
	expect(fs.existsSync(path.join(dir, 'out.jsonl')) ? readRecords(path.join(dir, 'out.jsonl')) : []).toHaveLength(0);
	run.runner.resume();
	const summary = await ran;
	expect(summary.succeeded).toBe(n);
	await run.finish();
	expect(readRecords(path.join(dir, 'out.jsonl'))).toHaveLength(n);
}, 60_000);

test('a job cancelled before the engine read it from the file ends cancelled, with its record', async () => {
	const n = 60;
	const {file, store} = promptsFile(n);
	run = await start(file, store, {concurrency: 1});
	run.runner.pause();
	const ran = run.runner.run();
	await waitUntil(() => store.getState().run.phase === 'paused', 'the run to be paused', {timeoutMs: 15_000});
	run.runner.cancel('line-50');
	await waitUntil(() => store.getState().jobs.status('line-50') === 'cancelled', 'line-50 to show cancelled', {timeoutMs: 15_000});
	run.runner.resume();
	const summary = await ran;
	expect(summary.cancelled).toBe(1);
	expect(summary.succeeded).toBe(n - 1);
	await run.finish();
	const records = readRecords(path.join(dir, 'out.jsonl'));
	expect(records).toHaveLength(n);
	expect(records.find(record => record.id === 'line-50')?.status).toBe('cancelled');
}, 60_000);
