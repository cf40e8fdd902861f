/**
 * Loaded with `node --import` into a process under measurement: on exit, writes its peak
 * resident set size (MB) and its event loop's delay percentiles (ms) to the file named by
 * PACER_BENCH_RSS_FILE.
 */
import {writeFileSync} from 'node:fs';
import {monitorEventLoopDelay} from 'node:perf_hooks';

const file = process.env.PACER_BENCH_RSS_FILE;
if (file) {
	const lag = monitorEventLoopDelay({resolution: 5});
	lag.enable();
	const ms = ns => Math.round(ns / 1e5) / 10;
	process.on('exit', () => {
		lag.disable();
		const eventLoopDelayMs = {p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max)};
		writeFileSync(file, JSON.stringify({maxRssMb: process.resourceUsage().maxRSS / 1024, eventLoopDelayMs}));
	});
}
