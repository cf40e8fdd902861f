#!/usr/bin/env node
/**
 * `npm run demo`: records the README's animation. The built CLI runs in a pseudo-terminal
 * of 100x30 against the built-in simulator, records itself with --record, and this script
 * presses keys as a person would, each when the screen shows what it is waiting for.
 * Writes docs/demo.cast (asciicast v2) and docs/demo.svg (svg-term-cli).
 *
 * The run is seeded: every prompt's outcome (faults, latency, reply) is the same on every
 * regeneration. Seed 2957 with these fault rates gives a 429 storm a few seconds in, one
 * prompt the simulator refuses for good (release-notes, 400) and one that runs out of
 * retries (http-codes: 429, 503, 503 with --max-retries 2) and succeeds when retried
 * from the keyboard (its fourth attempt is clean). The simulator's own RPM/TPM limits are raised above what the run
 * needs, so that every 429 is a seeded one and the story does not depend on timing.
 *
 *   npm run demo                   build, record, render
 *   node scripts/demo.mjs --no-svg record only
 */
import {execFileSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import xterm from '@xterm/headless';
import pty from 'node-pty';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.js');
const castFile = path.join(root, 'docs', 'demo.cast');
const svgFile = path.join(root, 'docs', 'demo.svg');
const SIZE = {cols: 100, rows: 30};

export const DEMO_ARGS = [
	'run',
	'demo.jsonl',
	'--sim',
	'storm',
	'--seed',
	'2957',
	'--sim-faults',
	'rateLimit=0.15,slowDown=0.05,overloaded503=0.05,server500=0.02,badRequest=0.05',
	'--sim-rpm',
	'300',
	'--sim-tpm',
	'90000',
	// Slow enough to watch replies stream in; retry-after waits scale with it.
	'--sim-latency-scale',
	'1.6',
	'--max-retries',
	'2',
	'--out',
	'demo.results.jsonl',
];

const KEY = {down: '\x1b[B', enter: '\r', escape: '\x1b'};

/**
 * The script: each step waits for the screen to match `when`, lingers `hold` ms so a
 * viewer can read it, then types `keys` one at a time.
 */
const STEPS = [
	{note: 'the queue: 22 prompts, replies stream in', when: /▸ running/, hold: 0, keys: []},
	{note: 'pause: nothing new is sent', when: /▸ [3-9] run/, hold: 1200, keys: ['p']},
	{note: 'resume', when: /‖ paused/, hold: 1600, keys: ['p']},
	{note: 'the 429 storm: rows count down to their retry-after', when: /↻ [3-9] wait/, hold: 0, keys: []},
	{note: 'http-codes ran out of retries (429, 503, 503): select it', when: /http-codes +✗ server 503/, hold: 800, keys: Array(6).fill(KEY.down)},
	{note: 'its details', when: /^› +7 http-codes/m, hold: 400, keys: [KEY.enter]},
	{note: 'back, and retry it with r', when: /^http-codes · line 7/m, hold: 2500, keys: [KEY.escape, 'r']},
	{note: 'done: only the permanent 400 is left', when: /21 succeeded, 1 failed/, hold: 1500, keys: ['?']},
	{note: 'the keys', when: /Keys \(Esc or \? closes\)/, hold: 2200, keys: [KEY.escape]},
	{note: 'quit', when: /^ +# id/m, hold: 2000, keys: ['q']},
];

function screenOf(term) {
	const buffer = term.buffer.active;
	const lines = [];
	for (let i = 0; i < term.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
	return lines.join('\n');
}

const delay = ms => new Promise(resolve => setTimeout(resolve, ms));

async function waitForScreen(term, pattern, timeoutMs) {
	const end = Date.now() + timeoutMs;
	while (!pattern.test(screenOf(term))) {
		if (Date.now() > end) throw new Error(`the screen never showed ${pattern}:\n${screenOf(term)}`);
		await delay(25);
	}
}

async function record() {
	const work = mkdtempSync(path.join(tmpdir(), 'pacer-demo-'));
	copyFileSync(path.join(root, 'examples', 'demo.jsonl'), path.join(work, 'demo.jsonl'));
	mkdirSync(path.dirname(castFile), {recursive: true});
	// What the recording's header names, the same on every machine; colours on; and no CI
	// variables, with which Ink draws nothing until the end.
	const env = {...process.env, TERM: 'xterm-256color', SHELL: '/bin/bash'};
	for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR', 'FORCE_COLOR', 'OPENAI_API_KEY', 'OPENAI_BASE_URL']) delete env[name];
	const term = new xterm.Terminal({...SIZE, allowProposedApi: true});
	const child = pty.spawn(process.execPath, [cli, ...DEMO_ARGS, '--record', castFile], {name: 'xterm-256color', ...SIZE, cwd: work, env});
	child.onData(data => term.write(data));
	const exited = new Promise(resolve => child.onExit(({exitCode}) => resolve(exitCode)));
	const start = Date.now();
	try {
		for (const step of STEPS) {
			await waitForScreen(term, step.when, 60_000);
			await delay(step.hold);
			process.stdout.write(`${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s  ${step.note}\n`);
			for (const key of step.keys) {
				child.write(key);
				await delay(key === KEY.escape ? 150 : 120);
			}
		}
		const code = await Promise.race([exited, delay(10_000).then(() => 'timeout')]);
		if (code === 'timeout') throw new Error('pacer did not exit after q');
		process.stdout.write(`pacer exited ${code}\n`);
	} finally {
		try {
			child.kill('SIGKILL');
		} catch {
			// already gone
		}
		term.dispose();
		rmSync(work, {recursive: true, force: true});
	}
}

/**
 * The animated SVG, by svg-term-cli (with the React fix of ./svgTermReact16.cjs). Not
 * through svgo: it collapses the runs of spaces in the selected (inverse) row.
 */
function render() {
	const require = createRequire(import.meta.url);
	const svgTermCli = path.join(path.dirname(require.resolve('svg-term-cli/package.json')), 'lib', 'cli.js');
	execFileSync(
		process.execPath,
		['--require', path.join(root, 'scripts', 'svgTermReact16.cjs'), svgTermCli, '--in', castFile, '--out', svgFile, '--window', '--no-cursor', '--padding', '12', '--no-optimize'],
		{stdio: 'inherit'},
	);
}

await record();
const events = readFileSync(castFile, 'utf8').trim().split('\n').length - 1;
process.stdout.write(`wrote ${path.relative(root, castFile)} (${events} events)\n`);
if (!process.argv.includes('--no-svg')) {
	render();
	process.stdout.write(`wrote ${path.relative(root, svgFile)} (${Math.round(statSync(svgFile).size / 1024)} KiB)\n`);
}
