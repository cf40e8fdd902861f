/**
 * `pacer run --concurrency N|auto` as a user types it, against a server on loopback that
 * has no limits of its own and counts the requests open at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterAll, beforeAll, beforeEach, describe, expect, test} from 'vitest';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {readRecords, runCli} from '../helpers/cli.js';

let dir: string;
let sim: Simulator;
let file: string;
beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-concurrency-'));
	sim = await startSimulator({profile: 'calm', seed: 9, latencyScale: 0.1, rpm: Infinity, tpm: Infinity});
	file = path.join(dir, 'prompts.txt');
	fs.writeFileSync(file, Array.from({length: 30}, (_, i) => `prompt ${i + 1}: say something short`).join('\n') + '\n');
});
afterAll(async () => {
	await sim.close();
	fs.rmSync(dir, {recursive: true, force: true});
});
beforeEach(() => sim.resetStats());

const run = (...args: string[]) =>
	runCli(['run', file, '--no-tui', '--base-url', sim.url, '--out', path.join(dir, 'out.jsonl'), ...args], {env: {OPENAI_API_KEY: 'sk-local-test'}});

describe('--concurrency', () => {
	test('3 is a ceiling: never more than 3 requests open at the server, and 3 reached', {timeout: 60_000}, async () => {
		const result = await run('--concurrency', '3');
		expect(result.code).toBe(0);
		expect(readRecords(path.join(dir, 'out.jsonl')).filter(r => r.status === 'succeeded')).toHaveLength(30);
		expect(sim.stats().maxInFlight).toBe(3);
	});

	test('auto with --max-concurrency 2 never passes 2', {timeout: 60_000}, async () => {
		const result = await run('--concurrency', 'auto', '--max-concurrency', '2');
		expect(result.code).toBe(0);
		expect(sim.stats().maxInFlight).toBe(2);
	});

	test.each([['0'], ['-2'], ['2.5'], ['fast'], ['']])('%j is refused with exit 2 and nothing sent', async value => {
		const result = await run('--concurrency', value);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--concurrency <n\|auto>.*expected a whole number >= 1 \(a ceiling on requests in flight\) or auto/);
		expect(sim.stats().requests).toBe(0);
	});

	test('--max-concurrency 0 is refused with exit 2 and nothing sent', async () => {
		const result = await run('--max-concurrency', '0');
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--max-concurrency <n>.*expected a whole number >= 1/);
		expect(sim.stats().requests).toBe(0);
	});

	test('--help says what it is: a ceiling, or auto between 1 and --max-concurrency', async () => {
		const result = await runCli(['run', '--help']);
		const help = result.stdout.replace(/\s+/g, ' ');
		expect(help).toContain('--concurrency <n|auto> ceiling on requests in flight');
		expect(help).toContain('auto adapts between 1 and --max-concurrency');
		expect(help).toContain('(default: "auto")');
		expect(help).toMatch(/--max-concurrency <n> .*\(default: 64\)/);
	});
});
