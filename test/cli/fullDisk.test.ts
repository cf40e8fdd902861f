/**
 * The built CLI with `--out` on a disk that fills: one line when it fills, signals end the
 * process in seconds with the documented status (75: results in a fallback file), and
 * `--resume` once there is room sends nothing that succeeded again. The disk is a real
 * 48 KiB tmpfs where the test may mount one; else every file the CLI writes is capped
 * (RLIMIT_FSIZE), which fails the same writes with EFBIG.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {waitUntil} from '../helpers/wait.js';
import {readRecords, runCli, startCli, within, type CliOptions} from '../helpers/cli.js';
import {startRecordingProxy, type RecordingProxy} from '../helpers/recordingProxy.js';
import {openSmallDisk, type SmallDisk} from '../helpers/smallDisk.js';

let sim: Simulator;
let proxy: RecordingProxy;
let disk: SmallDisk;
let work: string;
let tmp: string;
beforeAll(async () => {
	sim = await startSimulator({profile: 'calm', latencyScale: 1, seed: 5});
	disk = openSmallDisk();
});
afterAll(async () => {
	await sim.close();
	disk.close();
});
beforeEach(async () => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-full-disk-'));
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-tmpdir-'));
	proxy = await startRecordingProxy(sim.url);
});
afterEach(async () => {
	await proxy.close();
	disk.makeRoom();
	for (const name of fs.readdirSync(disk.dir)) fs.rmSync(path.join(disk.dir, name), {force: true});
	fs.rmSync(work, {recursive: true, force: true});
	fs.rmSync(tmp, {recursive: true, force: true});
});

const N = 30;
/** Room for the lock and about two pages of results: the disk fills a dozen or more records in. */
const ROOM = 3 * 4096;

function prompts(n = N): {file: string; texts: string[]} {
	const texts = Array.from({length: n}, (_, i) => `prompt ${i + 1}: tell me something about the number ${i + 1}`);
	const file = path.join(work, 'prompts.txt');
	fs.writeFileSync(file, `${texts.join('\n')}\n`);
	return {file, texts};
}

/** Where `--out` goes and how the child is started so that it fills: the tmpfs, or a capped file. */
function fullingDisk(room = ROOM): {out: string; cli: CliOptions} {
	// TMPDIR: the fallback file goes where the test can find (and remove) it.
	const env = {TMPDIR: tmp};
	if (disk.kind === 'tmpfs') {
		disk.fill(room);
		return {out: path.join(disk.dir, 'out.jsonl'), cli: {env, cwd: work}};
	}
	return {out: path.join(work, 'out.jsonl'), cli: {env, cwd: work, fileSizeLimit: Math.max(0, room - 4096)}};
}

const args = (file: string, out: string, more: string[] = []) => ['run', file, '--no-tui', '--base-url', proxy.url, '--out', out, '--concurrency', '4', '--max-output-tokens', '32', ...more];

function expectEveryIdOnce(records: Array<{id: string}>, n = N): void {
	expect(records.map(r => r.id).sort()).toEqual(Array.from({length: n}, (_, i) => `line-${i + 1}`).sort());
}

describe(`--out on a disk that fills (${process.getuid?.() === 0 && process.env.PACER_TEST_NO_MOUNT !== '1' ? 'tmpfs' : 'a file size cap'})`, () => {
	test('one line when it fills, sending holds; SIGTERM ends the run in seconds with 75 and a valid fallback file, named; --resume once there is room sends no success again', async () => {
		const {file, texts} = prompts();
		const {out, cli} = fullingDisk();
		const run = startCli(args(file, out), cli);
		await waitUntil(() => /on hold: cannot write/.test(run.output()), 'the on-hold line', {timeoutMs: 30_000});
		const line = /on hold: cannot write (\S+): (.*?)\. Sending is paused, the (\d+) in flight finish/.exec(run.output());
		expect(line?.[1]).toBe(out);
		expect(line?.[2]).toMatch(disk.kind === 'tmpfs' ? /^no space left on the device \(ENOSPC, 0 B free\)$/ : /too large.*\(EFBIG/);
		const inFlight = Number(line![3]);

		run.child.kill('SIGTERM');
		const result = await within(run.done, 10_000, 'pacer to exit after SIGTERM');
		expect(result.code).toBe(75);
		expect(result.stdout.match(/on hold:/g)).toHaveLength(1);
		expect(result.stdout).not.toMatch(/BUG|ENOSPC: no space left on device, write/);
		const named = /saved them to (\S+)\. Make room, then run again with --resume/.exec(result.stderr);
		expect(named?.[1]).toMatch(new RegExp(`^${tmp}/pacer-out\\.jsonl-[0-9a-f]{12}-\\d+\\.fallback\\.jsonl$`));
		const onDisk = readRecords(out);
		const inFallback = readRecords(named![1]!);
		expectEveryIdOnce([...onDisk, ...inFallback]);
		// Paid for at most what was on disk, the write that failed, and what was in flight then.
		expect(proxy.seen.length).toBeLessThanOrEqual(onDisk.length + 1 + inFlight);
		const succeeded = new Set([...onDisk, ...inFallback].filter(r => r.status === 'succeeded').map(r => r.id));
		expect(succeeded.size).toBe(proxy.seen.filter(s => s.status === 200).length);
		expect(fs.existsSync(`${out}.lock`)).toBe(false);

		disk.makeRoom();
		const sentBefore = proxy.seen.length;
		const resumed = await runCli(args(file, out, ['--resume']), {...cli, fileSizeLimit: undefined});
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain(`merged ${inFallback.length} result(s) from ${named![1]}`);
		const again = proxy.seen.slice(sentBefore).map(s => s.input);
		expect(again).toHaveLength(N - succeeded.size);
		for (const id of succeeded) expect(again).not.toContain(texts[Number(id.slice(5)) - 1]);
		expect(fs.existsSync(named![1]!)).toBe(false);
		const final = readRecords(out);
		expectEveryIdOnce(final);
		expect(final.every(r => r.status === 'succeeded')).toBe(true);
	}, 90_000);

	test('a second SIGTERM while held ends it at once; still 75 and nothing lost', async () => {
		const {file} = prompts();
		const {out, cli} = fullingDisk();
		const run = startCli(args(file, out), cli);
		await waitUntil(() => /on hold: cannot write/.test(run.output()), 'the on-hold line', {timeoutMs: 30_000});
		run.child.kill('SIGTERM');
		await waitUntil(() => /SIGTERM: stopping/.test(run.output()), 'the first SIGTERM to be heard', {timeoutMs: 5_000});
		run.child.kill('SIGTERM');
		const result = await within(run.done, 5_000, 'pacer to exit after a second SIGTERM');
		expect(result.code).toBe(75);
		const named = /saved them to (\S+)\./.exec(result.stderr);
		expectEveryIdOnce([...readRecords(out), ...readRecords(named![1]!)]);
	}, 60_000);

	test('a disk already full: refused before any request (exit 2), no lock left behind', async () => {
		const {file} = prompts(5);
		const {out, cli} = fullingDisk(0);
		const result = await runCli(args(file, out), cli);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/cannot (write|create) the lock.*(no space left on the device|too large)/);
		expect(proxy.seen).toHaveLength(0);
		expect(fs.existsSync(`${out}.lock`)).toBe(false);
	}, 30_000);
});
