/**
 * Loaded with `node --import` into a process under measurement: on exit, writes its peak
 * resident set size (MB) to the file named by PACER_BENCH_RSS_FILE.
 */
import {writeFileSync} from 'node:fs';

const file = process.env.PACER_BENCH_RSS_FILE;
if (file) {
	process.on('exit', () => {
		writeFileSync(file, JSON.stringify({maxRssMb: process.resourceUsage().maxRSS / 1024}));
	});
}
