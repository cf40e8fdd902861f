#!/usr/bin/env node
/**
 * The dashboard over a large, fast run, for measuring it in a pseudo-terminal: N prompts,
 * the simulator answering at once with no limits, concurrency 64, so the store changes
 * thousands of times a second. Uses the built code (dist/).
 *
 *   node test/e2e/dashboardDriver.mjs <jobs> [results-file] [latency-scale] [lag-report-file]
 *
 * With a lag report file, the event loop's delay percentiles are written there at the end.
 */
import {writeFileSync} from 'node:fs';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {prepareRun} from '../../dist/runBatch.js';
import {runDashboard} from '../../dist/components/runDashboard.js';

const count = Number(process.argv[2] ?? 100_000);
const out = process.argv[3] || null;
const latencyScale = Number(process.argv[4] || 0);
const lagReport = process.argv[5] || null;
const lag = monitorEventLoopDelay({resolution: 5});
const jobs = Array.from({length: count}, (_, k) => {
	const text = `Prompt ${k + 1}: name a colour and say why`;
	return {id: `line-${k + 1}`, line: k + 1, input: text, text};
});
const run = await prepareRun(jobs, {
	out,
	concurrency: 64,
	endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale, rpm: Infinity, tpm: Infinity}},
});
// Keypress (stdin readable) to the next frame written, measured inside the process.
const keyToFrame = [];
let keyAt = null;
process.stdin.prependListener('readable', () => {
	keyAt ??= performance.now();
});
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
	if (keyAt !== null && chunk.length > 200) {
		keyToFrame.push(Math.round((performance.now() - keyAt) * 10) / 10);
		keyAt = null;
	}
	return write(chunk, ...rest);
};
lag.enable();
const code = await runDashboard(run, {exitWhenDone: false});
lag.disable();
if (lagReport) {
	const ms = n => Math.round(n / 1e5) / 10;
	writeFileSync(lagReport, JSON.stringify({lag: {p50: ms(lag.percentile(50)), p95: ms(lag.percentile(95)), p99: ms(lag.percentile(99)), max: ms(lag.max)}, keyToFrame}));
}
process.exitCode = code;
setTimeout(() => process.exit(code), 50).unref();
