/**
 * The headless memory rows of issue 16: peak RSS flat in the batch's size. Growth compares
 * a small and a large batch through the same harness (bench/lib/headless.js); the million
 * is its own group, too long for the default run, whose last figure the default run shows.
 */
import {existsSync, readFileSync} from 'node:fs';
import {HEADLESS_HOW, describeRun, headlessRun} from './headless.js';
import {notMeasured, row} from './table.js';

/** Peak RSS allowed at any batch size: the million's target holds for every smaller batch. */
const PEAK_MB = 250;
/** What a batch ten times larger may add. */
const GROWTH_MB = 10;

export const MILLION_FILE = new URL('../results.million.json', import.meta.url);

const k = n => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

function timedOutRow(figure, target, run, timeoutMs, how) {
	return notMeasured(
		figure,
		target,
		`the ${k(run.count)} run did not end within ${(timeoutMs / 1000).toFixed(0)} s: ${run.done} prompts done in that time (${run.rate.toFixed(0)}/s; ${k(run.count)} needs ${(run.count / Math.max(1, run.rate)).toFixed(0)} s at that rate). ${how}`,
	);
}

/**
 * 10k and 100k (or the quick sizes), one after the other. `timeoutMs` (ms, or a function
 * asked when the large run starts) caps the large run so the default bench keeps to its
 * budget; a run cut off is a row that says so. Resolves with
 * the rows and the large run's rate (prompts/s), which the million's row quotes.
 */
async function measureGrowth({small, large, log, timeoutMs}) {
	const names = {
		peak: `headless ${k(large)} prompts: peak RSS`,
		growth: `headless growth ${k(small)} -> ${k(large)}: peak RSS difference`,
		lost: `headless ${k(small)} + ${k(large)}: lost + duplicated`,
	};
	const a = await headlessRun({count: small, label: `headless ${k(small)}`, log});
	// Given as a function, the cap is what the bench's budget has left once the small run is done.
	const cap = typeof timeoutMs === 'function' ? timeoutMs() : timeoutMs;
	log(`headless ${k(large)}: cut off after ${(cap / 1000).toFixed(0)} s if not done`);
	const b = await headlessRun({count: large, label: `headless ${k(large)}`, log, timeoutMs: cap});
	if (b.timedOut) {
		const how = `${(cap / 1000).toFixed(0)} s is what the 10-minute bench had left for it; BENCH_ONLY=scale npm run bench gives it an hour.`;
		const rows = [
			timedOutRow(names.peak, `<= ${PEAK_MB} MB`, b, cap, how),
			timedOutRow(names.growth, `<= ${GROWTH_MB} MB`, b, cap, how),
			row(`headless ${k(small)}: lost + duplicated`, a.lost + a.duplicated, '<=', 0, {digits: 0, note: `${describeRun(a)}; ${HEADLESS_HOW}`}),
		];
		return {rows, rate: b.rate};
	}
	const rows = [
		row(names.peak, b.maxRssMb, '<=', PEAK_MB, {unit: ' MB', digits: 0, note: `${describeRun(b)}; ${HEADLESS_HOW}. The million's target: flat memory holds it at every size`}),
		row(names.growth, b.maxRssMb - a.maxRssMb, '<=', GROWTH_MB, {unit: ' MB', digits: 0, note: `the same harness at ${k(small)}: ${describeRun(a)}`}),
		row(names.lost, a.lost + a.duplicated + b.lost + b.duplicated, '<=', 0, {digits: 0}),
	];
	return {rows, rate: b.rate};
}

/**
 * The default run's headless rows: growth, then the million's row from its last run. A
 * growth that fails is a row that says why; the million's row is there all the same.
 */
export async function headlessRows({small, large, log, timeoutMs}) {
	let measured = {rows: [], rate: null};
	try {
		measured = await measureGrowth({small, large, log, timeoutMs});
	} catch (error) {
		log(`headless growth failed: ${error.stack ?? error}`);
		measured.rows = [notMeasured(`headless growth ${k(small)} -> ${k(large)}: peak RSS difference`, `<= ${GROWTH_MB} MB`, `failed: ${String(error.message ?? error).split('\n')[0]}`)];
	}
	return [...measured.rows, ...millionFromLastRun({rate: measured.rate})];
}

const MILLION_NAMES = count => ({peak: `headless ${k(count)} prompts: peak RSS`, lost: `headless ${k(count)}: lost + duplicated`});

/** The million group (BENCH_ONLY=million): no cap but a generous one, progress every 10 s. */
export async function million({count, log}) {
	const names = MILLION_NAMES(count);
	const timeoutMs = 3 * 60 * 60_000;
	const run = await headlessRun({count, label: `headless ${k(count)}`, log, timeoutMs});
	if (run.timedOut) return [timedOutRow(names.peak, `<= ${PEAK_MB} MB`, run, timeoutMs, 'The bench gives it three hours.'), notMeasured(names.lost, '<= 0', 'the run was cut off')];
	return [
		row(names.peak, run.maxRssMb, '<=', PEAK_MB, {unit: ' MB', digits: 0, note: `${describeRun(run)}; ${HEADLESS_HOW}`}),
		row(names.lost, run.lost + run.duplicated, '<=', 0, {digits: 0}),
	];
}

/**
 * The million's rows in the default run: not measured there (it would take most of an hour
 * at today's rate), with the figure of the last `BENCH_ONLY=million` run when there is one.
 */
export function millionFromLastRun({rate}) {
	const names = MILLION_NAMES(1_000_000);
	const estimate = rate ? ` at the ${rate.toFixed(0)}/s of this run's large headless batch, about ${(1_000_000 / rate / 60).toFixed(0)} minutes` : '';
	const why = `not in the default run: a million prompts take longer than the whole 10-minute bench${estimate}. BENCH_ONLY=million npm run bench measures it and writes bench/results.million.json`;
	if (!existsSync(MILLION_FILE)) return [notMeasured(names.peak, `<= ${PEAK_MB} MB`, `${why}; no such run yet`)];
	const last = JSON.parse(readFileSync(MILLION_FILE, 'utf8'));
	const peak = last.rows.find(r => r.figure.endsWith('peak RSS'));
	const lost = last.rows.find(r => r.figure.endsWith('lost + duplicated'));
	const quick = last.quick ? ' (a BENCH_QUICK run, not the figure)' : '';
	const figures = `${peak?.figure}: ${peak?.shown} (${peak?.pass ? 'met' : peak?.pass === false ? 'missed' : 'not measured'}), lost + duplicated ${lost?.shown ?? '?'}; ${peak?.note ?? ''}`;
	return [notMeasured(names.peak, `<= ${PEAK_MB} MB`, `${why}. Its last run, ${last.date} (${last.seconds} s)${quick}: ${figures}`)];
}
