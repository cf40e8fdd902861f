/**
 * Signals and crashes: SIGINT/SIGTERM stop cleanly with a valid file; kill -9 at random
 * moments followed by --resume finishes the batch with every id once and no success re-sent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, runCli, startCli} from '../helpers/cli.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {waitUntil} from '../helpers/wait.js';

let dir: string;
let sim: Simulator;
let proxy: RecordingProxy;
beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', latencyScale: 1, seed: 5});
});
afterAll(async () => {
	await sim.close();
});
beforeEach(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-signals-'));
	proxy = await startRecordingProxy(sim.url);
});
afterEach(async () => {
	await proxy.close();
	fs.rmSync(dir, {recursive: true, force: true});
});

function prompts(n: number): {file: string; out: string; texts: string[]} {
	const texts = Array.from({length: n}, (_, i) => `prompt ${i + 1}: tell me something about the number ${i + 1}`);
	const file = path.join(dir, 'prompts.txt');
	fs.writeFileSync(file, `${texts.join('\n')}\n`);
	return {file, out: path.join(dir, 'out.jsonl'), texts};
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

function expectOneRecordPerId(out: string, n: number): ReturnType<typeof readRecords> {
	const records = readRecords(out);
	const ids = records.map(r => r.id);
	expect(new Set(ids).size).toBe(ids.length);
	expect(ids.sort()).toEqual(Array.from({length: n}, (_, i) => `line-${i + 1}`).sort());
	return records;
}

describe('signals', () => {
	test('SIGINT: stop dispatching, let in-flight finish, exit 130, every id once; --resume finishes without re-sending', async () => {
		const {file, out, texts} = prompts(30);
		const run = startCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--concurrency', '2']);
		await waitUntil(() => lines(out) >= 3, 'three results in the file', {timeoutMs: 15_000});
		run.child.kill('SIGINT');
		const result = await run.done;
		expect(result.code).toBe(130);
		expect(result.stdout).toMatch(/SIGINT: stopping/);
		const first = expectOneRecordPerId(out, 30);
		const succeeded = new Set(first.filter(r => r.status === 'succeeded').map(r => r.id));
		expect(succeeded.size).toBeGreaterThanOrEqual(3);
		expect(first.filter(r => r.status === 'skipped').length).toBeGreaterThan(0);
		expect(fs.existsSync(`${out}.lock`)).toBe(false);

		const sentBefore = proxy.seen.length;
		const resumed = await runCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--resume', '--concurrency', '8']);
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toMatch(new RegExp(`resuming: ${succeeded.size} prompt`));
		const again = proxy.seen.slice(sentBefore).map(s => s.input);
		for (const id of succeeded) expect(again).not.toContain(texts[Number(id.slice(5)) - 1]);
		const final = expectOneRecordPerId(out, 30);
		expect(final.every(r => r.status === 'succeeded')).toBe(true);
	});

	test('SIGTERM exits 143 with a valid file', async () => {
		const {file, out} = prompts(20);
		const run = startCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--concurrency', '2']);
		await waitUntil(() => lines(out) >= 1, 'a result in the file', {timeoutMs: 15_000});
		run.child.kill('SIGTERM');
		const result = await run.done;
		expect(result.code).toBe(143);
		expectOneRecordPerId(out, 20);
	});

	test('a second signal aborts in-flight requests at once, not after the first one\'s grace period', async () => {
		// Streams that never end: only an abort ends them. Each signal aborts with its own
		// name, and the first abort wins, so the records say which one did it.
		const stalling = await startSimulator({latencyScale: 0, faults: {stall: 1}});
		try {
			const {file, out} = prompts(20);
			const run = startCli(['run', file, '--no-tui', '--base-url', stalling.url, '--out', out, '--concurrency', '4']);
			await waitUntil(() => stalling.stats().inFlight >= 1, 'a request in flight', {timeoutMs: 15_000});
			run.child.kill('SIGINT');
			await waitUntil(() => /SIGINT: stopping/.test(run.output()), 'the first signal to be heard', {timeoutMs: 15_000, seen: run.output});
			run.child.kill('SIGTERM');
			const result = await run.done;
			expect(result.code).toBe(143);
			const records = expectOneRecordPerId(out, 20);
			const aborted = records.filter(r => r.status === 'cancelled');
			expect(aborted.length).toBeGreaterThan(0);
			for (const record of aborted) expect(record.error!.message).toMatch(/aborted: interrupted \(SIGTERM\)/);
			expect(records.filter(r => r.status === 'skipped')).toHaveLength(20 - aborted.length);
			await waitUntil(() => stalling.stats().inFlight === 0, 'the aborted requests\' sockets to close');
		} finally {
			await stalling.close();
		}
	});

	test('two runs on one --out: the second is refused', async () => {
		const {file, out} = prompts(10);
		const first = startCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--concurrency', '1']);
		await waitUntil(() => fs.existsSync(`${out}.lock`), 'the lock file', {timeoutMs: 10_000});
		const second = await runCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out]);
		expect(second.code).toBe(2);
		expect(second.stderr).toMatch(/another pacer run \(pid \d+\) is writing this file/);
		first.child.kill('SIGINT');
		await first.done;
	});
});

describe('crash safety', () => {
	test('kill -9 at random moments, then --resume: every id exactly once, no success sent again', {timeout: 90_000}, async () => {
		const n = 60;
		const {file, out, texts} = prompts(n);
		let random = 12345;
		const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		let exitCode: number | null = null;
		let kills = 0;
		for (let round = 0; round < 25 && exitCode !== 0; round++) {
			const onDisk = fs.existsSync(out) ? readRecords(out.toString()) : [];
			const succeeded = new Set(onDisk.filter(r => r.status === 'succeeded').map(r => r.id));
			const sentBefore = proxy.seen.length;
			const run = startCli(['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--concurrency', '6', ...(round > 0 ? ['--resume'] : [])]);
			const killAt = round < 6 ? 150 + next() * 900 : Infinity;
			const timer = Number.isFinite(killAt)
				? setTimeout(() => {
						kills++;
						run.child.kill('SIGKILL');
					}, killAt)
				: null;
			const result = await run.done;
			if (timer) clearTimeout(timer);
			exitCode = result.code;
			// Whatever was on disk as a success was never sent again.
			const resent = proxy.seen.slice(sentBefore).map(s => s.input);
			for (const id of succeeded) expect(resent).not.toContain(texts[Number(id.slice(5)) - 1]);
		}
		expect(kills).toBeGreaterThan(0);
		expect(exitCode).toBe(0);
		const records = expectOneRecordPerId(out, n);
		expect(records.every(r => r.status === 'succeeded')).toBe(true);
	});
});
