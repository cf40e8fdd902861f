/**
 * `npm run bench`: every figure a ratio or a bound measured in this one run against the
 * built-in simulator on 127.0.0.1, printed as a table and saved to bench/results.json.
 * BENCH_QUICK=1 shortens every run (for development; its numbers are not the figures).
 */
import {writeFileSync} from 'node:fs';
import {availableParallelism, cpus, totalmem} from 'node:os';
import * as figures from './lib/figures.js';
import {dashboardFigures} from './lib/dashboard.js';
import {printTable} from './lib/table.js';

const quick = process.env.BENCH_QUICK === '1';
const plan = quick
	? {rateMs: 15_000, overhead: 4000, scale: 20_000, recovery: 120, blips: 200, startupRuns: 5, chaos: 3000}
	: {rateMs: 60_000, overhead: 20_000, scale: 100_000, recovery: 400, blips: 600, startupRuns: 9, chaos: 20_000};

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
// run them side by side, then the CPU-bound figures one at a time.
log(`paced runs (${plan.rateMs / 1000} s each) and recovery, side by side`);
const paced = await Promise.all([
	safely('fixed pacing', '>= 0.97', () => figures.fixedPacing({durationMs: plan.rateMs})),
	safely('adaptive', '>= 0.95', () => figures.adaptive({durationMs: plan.rateMs, headers: true})),
	safely('adaptive, no headers', '>= 0.95', () => figures.adaptive({durationMs: plan.rateMs, headers: false})),
	safely('tokens/min bound', '>= 0.95', () => figures.tokensBound({durationMs: plan.rateMs})),
	safely('recovery', '<= 1.15', () => figures.recovery({count: plan.recovery})),
]);
for (const r of paced) rows.push(...r);
// Its two sides run side by side, each at ~20 requests/s of streamed replies: enough load on
// a small machine to take a few percent off the paced runs if it ran beside them.
log(`three processes on one limit, through Redis and without (${plan.rateMs / 1000} s each)`);
rows.push(...(await safely('shared limit', '>= 0.95', () => figures.sharedLimit({durationMs: plan.rateMs}))));
log(`random 429 blips (${plan.blips} prompts, each side)`);
rows.push(...(await safely('random 429 blips', '<= 1.2', () => figures.blips({count: plan.blips}))));
log('start-up');
rows.push(...(await safely('start-up', '<= 250 ms', () => figures.startup({runs: plan.startupRuns}))));
log(`engine overhead (${plan.overhead} prompts, each side)`);
rows.push(...(await safely('engine overhead', '>= 0.9', () => figures.engineOverhead({count: plan.overhead}))));
log(`scale (${plan.scale} prompts headless)`);
rows.push(...(await safely('scale headless', '<= 300 MB', () => figures.scaleHeadless({count: plan.scale}))));
log(`chaos soak (${plan.chaos} prompts)`);
rows.push(...(await safely('chaos soak', '<= 0', () => figures.chaosSoak({count: plan.chaos}))));
log('dashboard');
rows.push(...(await dashboardFigures({count: plan.scale, log})));

const machine = {
	cpus: availableParallelism(),
	cpuModel: cpus()[0]?.model ?? 'unknown',
	memoryGb: Math.round(totalmem() / 2 ** 30),
	node: process.version,
	platform: `${process.platform} ${process.arch}`,
};
const result = {date: new Date().toISOString(), quick, machine, seconds: Math.round((Date.now() - started) / 1000), rows};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`\npacer bench${quick ? ' (BENCH_QUICK: shortened runs, not the figures)' : ''} — ${machine.cpus} cores, Node ${machine.node}, ${result.seconds} s\n\n`);
process.stdout.write(printTable(rows) + '\n');
const failed = rows.filter(r => r.pass === false).length;
const unmeasured = rows.filter(r => r.pass == null).length;
process.stdout.write(`\n${rows.length - failed - unmeasured} met, ${failed} missed, ${unmeasured} not measured. Saved to bench/results.json\n`);
