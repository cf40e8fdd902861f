#!/usr/bin/env node
/**
 * The dashboard over a large, fast run, in a pseudo-terminal: N prompts, the simulator
 * with no limits, concurrency 64, so the store changes thousands of times a second.
 * Uses the built code (dist/).
 *
 *   node test/e2e/dashboardDriver.mjs <jobs> [results-file] [latency-scale]
 */
import {prepareRun} from '../../dist/runBatch.js';
import {runDashboard} from '../../dist/components/runDashboard.js';

const count = Number(process.argv[2] ?? 100_000);
const out = process.argv[3] || null;
const latencyScale = Number(process.argv[4] || 0);
const jobs = Array.from({length: count}, (_, k) => {
	const text = `Prompt ${k + 1}: name a colour and say why`;
	return {id: `line-${k + 1}`, line: k + 1, input: text, text};
});
const run = await prepareRun(jobs, {
	out,
	concurrency: 64,
	endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale, rpm: Infinity, tpm: Infinity}},
});
const code = await runDashboard(run, {exitWhenDone: false});
process.exitCode = code;
setTimeout(() => process.exit(code), 50).unref();
