/**
 * `npm run bench`: every figure a ratio or a bound measured in this one run against the
 * built-in simulator on 127.0.0.1, printed as a table and saved to bench/results.json.
 * BENCH_QUICK=1 shortens every run (for development; its numbers are not the figures).
 * BENCH_ONLY=startup,peer runs only the named groups (see GROUPS) and saves to
 * bench/results.only.json, leaving the whole run's bench/results.json alone.
 */
import {writeFileSync} from 'node:fs';
import {availableParallelism, cpus, totalmem} from 'node:os';
import * as figures from './lib/figures.js';
import {dashboardFigures} from './lib/dashboard.js';
import {startup} from './lib/startup.js';
import {printTable} from './lib/table.js';

const quick = process.env.BENCH_QUICK === '1';
const plan = quick
	? {rateMs: 15_000, overhead: 4000, scale: 20_000, recovery: 120, blips: 200, startupRuns: 5, chaos: 3000}
	: {rateMs: 60_000, overhead: 20_000, scale: 100_000, recovery: 400, blips: 600, startupRuns: 9, chaos: 20_000};

const GROUPS = ['shared', 'fixed', 'adaptive', 'tokens', 'recovery', 'peer', 'blips', 'startup', 'overhead', 'scale', 'chaos', 'dashboard'];
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map(name => name.trim())) : null;
for (const name of only ?? []) {
	if (!GROUPS.includes(name)) throw new Error(`BENCH_ONLY: unknown group "${name}" (choose ${GROUPS.join(', ')})`);
}
const want = name => !only || only.has(name);
/** Runs `run` when its group is wanted; [] otherwise. */
const maybe = (group, run) => (want(group) ? run() : Promise.resolve([]));

const started = Date.now();
const log = message => process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${message}\n`);

/** A figure that throws becomes a "not measured" row with the reason, never a number. */
async function safely(name, target, run) {
	try {
		return await run();
	} catch (error) {
		log(`${name} failed: ${error.stack ?? error}`);
		return [figures.notMeasured(name, target, `failed: ${String(error.message ?? error).split('\n')[0]}`)];
	}
}

const rows = [];
// The paced runs send at most ~10 requests a second each, so they share the machine well:
// run them side by side (the peer figure is two of them), then the CPU-bound figures one at a time.
log(`paced runs (${plan.rateMs / 1000} s each), the peer side by side, and recovery`);
const paced = await Promise.all([
	maybe('fixed', () => safely('fixed pacing', '>= 0.97', () => figures.fixedPacing({durationMs: plan.rateMs}))),
	maybe('adaptive', () => safely('adaptive', '>= 0.95', () => figures.adaptive({durationMs: plan.rateMs, headers: true}))),
	maybe('adaptive', () => safely('adaptive, no headers', '>= 0.95', () => figures.adaptive({durationMs: plan.rateMs, headers: false}))),
	maybe('tokens', () => safely('tokens/min bound', '>= 0.95', () => figures.tokensBound({durationMs: plan.rateMs}))),
	maybe('peer', () => safely('peer side by side', '>= 0.95', () => figures.peerSideBySide({durationMs: plan.rateMs}))),
	maybe('recovery', () => safely('recovery', '<= 1.10', () => figures.recovery({count: plan.recovery}))),
]);
for (const r of paced) rows.push(...r);
// Its two sides run side by side, each at ~20 requests/s of streamed replies: enough load on
// a small machine to take a few percent off the paced runs if it ran beside them.
if (want('shared')) {
	log(`three processes on one limit, through Redis and without (${plan.rateMs / 1000} s each)`);
	rows.push(...(await safely('shared limit', '>= 0.95', () => figures.sharedLimit({durationMs: plan.rateMs}))));
}
if (want('blips')) {
	log(`random 429 blips (${plan.blips} prompts, each side)`);
	rows.push(...(await safely('random 429 blips', '<= 1.2', () => figures.blips({count: plan.blips}))));
}
if (want('startup')) {
	log(`start-up (${plan.startupRuns} rounds of node -e 0, pacer --help, first dashboard frame)`);
	rows.push(...(await safely('start-up', '<= 1.5', () => startup({runs: plan.startupRuns}))));
}
if (want('overhead')) {
	log(`engine overhead (${plan.overhead} prompts, each side)`);
	rows.push(...(await safely('engine overhead', '>= 0.95', () => figures.engineOverhead({count: plan.overhead}))));
}
if (want('scale')) {
	log(`scale (${plan.scale} prompts headless)`);
	rows.push(...(await safely('scale headless', '<= 300 MB', () => figures.scaleHeadless({count: plan.scale}))));
}
if (want('chaos')) {
	log(`chaos soak (${plan.chaos} prompts)`);
	rows.push(...(await safely('chaos soak', '<= 0', () => figures.chaosSoak({count: plan.chaos}))));
}
if (want('dashboard')) {
	log('dashboard');
	rows.push(...(await dashboardFigures({count: plan.scale, log})));
}

const machine = {
	cpus: availableParallelism(),
	cpuModel: cpus()[0]?.model ?? 'unknown',
	memoryGb: Math.round(totalmem() / 2 ** 30),
	node: process.version,
	platform: `${process.platform} ${process.arch}`,
};
const result = {date: new Date().toISOString(), quick, only: only ? [...only] : null, machine, seconds: Math.round((Date.now() - started) / 1000), rows};
const saved = only ? 'results.only.json' : 'results.json';
writeFileSync(new URL(`./${saved}`, import.meta.url), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`\npacer bench${quick ? ' (BENCH_QUICK: shortened runs, not the figures)' : ''}${only ? ` (BENCH_ONLY=${[...only].join(',')})` : ''} — ${machine.cpus} cores, Node ${machine.node}, ${result.seconds} s\n\n`);
process.stdout.write(printTable(rows) + '\n');
const failed = rows.filter(r => r.pass === false).length;
const unmeasured = rows.filter(r => r.pass == null && !r.info).length;
const shown = rows.filter(r => r.info).length;
process.stdout.write(`\n${rows.length - failed - unmeasured - shown} met, ${failed} missed, ${unmeasured} not measured${shown ? `, ${shown} for comparison` : ''}. Saved to bench/${saved}\n`);
