/**
 * A headless run in a worker thread with a small young generation. A run at full speed
 * allocates fast (a few KB a reply), and V8 answers that by growing the young generation
 * of the main thread to its most (two 16 MB semi-spaces) and by freeing the SSE chunks'
 * buffers only at its rarer scavenges: about 60 MB more at the peak, in any batch size.
 * The cap can only be set when a V8 heap is made (a flag to node, which `pacer` as a bin or
 * `node dist/cli.js` cannot be given for the user; v8.setFlagsFromString is too late), and a
 * worker's heap is made here, with `resourceLimits`. The worker is the same CLI given the
 * same arguments: it dies with the process (a child process could outlive a kill -9 of
 * this one), its output goes to this process's stdout and stderr, and this thread passes
 * it the signals, which Node delivers to the main thread only.
 */
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads';
import {redactSecrets} from './core/secrets.js';
import {EXIT} from './exitCodes.js';
import {trimHeap} from './worker/heapTrim.js';

/** Young generation of the worker: the young space of `--max-semi-space-size=2` (three semi-spaces), measured flat and as fast. */
const YOUNG_GENERATION_MB = 6;
/** A worker that neither ends the run nor answers a signal by then is ended from here (the run's own deadline is 4.5 s). */
const BACKSTOP_MS = 6000;
const MARK = 'pacer-headless';

/** This thread is the worker of runInWorker. */
export function isHeadlessWorker(): boolean {
	return !isMainThread && (workerData as {role?: string} | null)?.role === MARK;
}

/** In the worker: the signals this process gets are emitted here, where the run listens for them. */
export function hearParentSignals(): void {
	if (!parentPort) return;
	parentPort.on('message', (message: {signal?: NodeJS.Signals}) => {
		if (message.signal === 'SIGINT' || message.signal === 'SIGTERM') process.emit(message.signal, message.signal);
	});
	// Listening must not keep the worker alive once its run is over.
	parentPort.unref();
	// The old generation grows with the run's rate, not its size, unless it is collected while
	// small (./worker/heapTrim.ts), as the dashboard's engine thread is.
	trimHeap();
}

/** Runs the CLI at `entry` with `args` in a worker; resolves with its exit status. */
export function runInWorker(entry: URL, args: readonly string[]): Promise<number> {
	return new Promise(resolve => {
		const worker = new Worker(entry, {
			argv: [...args],
			workerData: {role: MARK},
			resourceLimits: {maxYoungGenerationSizeMb: YOUNG_GENERATION_MB},
		});
		let backstop: NodeJS.Timeout | null = null;
		let signalled: NodeJS.Signals | null = null;
		const onSignal = (signal: NodeJS.Signals) => {
			signalled = signal;
			worker.postMessage({signal});
			backstop ??= setTimeout(() => {
				process.stderr.write('pacer: the run did not stop in time: leaving now\n');
				finish(signalled === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
			}, BACKSTOP_MS).unref();
		};
		const finish = (code: number) => {
			process.off('SIGINT', onSignal);
			process.off('SIGTERM', onSignal);
			if (backstop) clearTimeout(backstop);
			resolve(code);
		};
		process.on('SIGINT', onSignal);
		process.on('SIGTERM', onSignal);
		let failed = false;
		worker.on('error', error => {
			failed = true;
			process.stderr.write(`pacer: unexpected error (a bug in pacer): ${redactSecrets(String(error?.stack ?? error))}\n`);
		});
		worker.on('exit', code => finish(failed ? EXIT.unexpected : code));
	});
}
