// The real engine worker, with a bug planted: an error nobody catches, once the first
// result is on disk (the run is under way, however busy the machine).
import {statSync} from 'node:fs';
import {workerData} from 'node:worker_threads';
import '../../dist/worker/engineWorker.js';

const out = workerData.options.out;
const watch = setInterval(() => {
	let size = 0;
	try {
		size = statSync(out).size;
	} catch {}
	if (size === 0) return;
	clearInterval(watch);
	throw new Error('a planted bug in the engine worker');
}, 20);
