/**
 * The engine's thread when the dashboard is shown: the input read as the run goes, the
 * SDK, SSE parsing, the results file and the built-in simulator all run here, so the
 * render thread only runs Ink, the store and the keys. What the run reports goes out
 * through a port sink in batches; controls come in as messages (./messages.ts).
 *
 * The jobs are fed lazily (`keepJobs: false`): a job that ended well is only its record
 * here, and only its row in the dashboard's store.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {openJobFile} from '../core/jobFile.js';
import {pacerError} from '../core/errors.js';
import type {JobInput} from '../core/jobStream.js';
import type {RunSink} from '../core/runSink.js';
import type {JobSpec} from '../core/types.js';
import {prepareRun, type PreparedRun} from '../runBatch.js';
import {portableError, type EndFacts, type FromWorker, type ToWorker, type WorkerStart} from './messages.js';
import {portSink} from './portSink.js';
import {trimHeap} from './heapTrim.js';

const port = parentPort!;
const start = workerData as WorkerStart;
const post = (message: FromWorker) => port.postMessage(message);

let run: PreparedRun | null = null;
let fatal = false;
const sink = portSink({post: batch => post({type: 'sink', batch}), summary: () => run?.runner.summary() ?? null, rowsShown: start.rowsShown});
/** The last job the engine told of (a cancel asks whether the engine knew the job). */
let heard: string | null = null;
const engineSink: RunSink = {
	...sink,
	jobChanged(id, change) {
		heard = id;
		sink.jobChanged(id, change);
	},
};
/** Jobs cancelled before the engine read them from the file: cancelled as soon as it does. */
const cancelAhead = new Set<string>();

const endFacts = (prepared: PreparedRun, summary: EndFacts['summary']): EndFacts => ({summary, fallback: prepared.fallback, compactError: prepared.compactError});

// A bug here must still flush what it can and tell the dashboard, which restores the terminal and exits as for a bug.
const onFatal = (error: unknown) => {
	if (fatal) return;
	fatal = true;
	let end: EndFacts | null = null;
	try {
		sink.flush();
		if (run) end = endFacts(run, run.finishNow());
	} catch {
		// Telling the dashboard matters more than what closing said.
	}
	post({type: 'fatal', error: portableError(error), end});
};
process.on('uncaughtException', onFatal);
process.on('unhandledRejection', onFatal);
trimHeap();

/** The input, each pass telling the engine of a job cancelled before it was read. */
function inputOf(source: WorkerStart['input']): JobInput {
	const input: JobInput = 'file' in source ? openJobFile(source.file) : {total: source.jobs.length, specs: () => source.jobs[Symbol.iterator]()};
	return {
		total: input.total,
		specs() {
			const specs = input.specs();
			return {
				next(): IteratorResult<JobSpec> {
					const step = specs.next();
					// The engine holds the job once `next` returns: cancel it then.
					if (!step.done && cancelAhead.delete(step.value.id)) queueMicrotask(() => run?.runner.cancel(step.value.id));
					return step;
				},
			};
		},
	};
}

async function prepare(): Promise<void> {
	try {
		run = await prepareRun(inputOf(start.input), {...start.options, endpoint: start.endpoint, keepJobs: false, retainOutput: true, sink: engineSink});
	} catch (error) {
		post({type: 'prepareFailed', error: portableError(error)});
		return;
	}
	const store = run.store;
	if (store.getState().disk) sink.diskChanged(store.getState().disk);
	store.subscribe((state, previous) => {
		if (state.disk !== previous.disk) sink.diskChanged(state.disk);
	});
	sink.flush();
	post({
		type: 'prepared',
		facts: {outPath: run.outPath, alreadyDone: run.alreadyDone, tornLine: run.tornLine, merged: run.merged, discarded: run.discarded, endpointLabel: run.endpointLabel},
	});
}

function handle(message: ToWorker, prepared: PreparedRun): void {
	const runner = prepared.runner;
	switch (message.type) {
		case 'run':
			runner.run().then(
				() => {
					sink.flush();
					post({type: 'ran'});
				},
				error => post({type: 'runFailed', error: portableError(error)}),
			);
			return;
		case 'cancel': {
			heard = null;
			runner.cancel(message.id);
			if (heard === message.id || message.status !== 'queued') return;
			// Not read from the file yet: the engine does not know it. It is cancelled as soon as it is
			// read (see inputOf); the row says so now.
			cancelAhead.add(message.id);
			sink.jobChanged(message.id, {status: 'cancelled', error: pacerError('cancelled', 'cancelled by the user before it was sent'), finishedAt: Date.now()});
			return;
		}
		case 'retry':
			runner.retry(message.id);
			return;
		case 'retryAllFailed':
			runner.retryAllFailed();
			return;
		case 'pause':
			return runner.pause();
		case 'resume':
			return runner.resume();
		case 'setConcurrency':
			return runner.setConcurrency(message.n);
		case 'stop':
			runner.stop({abort: message.abort, reason: message.reason}).then(
				() => {
					sink.flush();
					post({type: 'stopped', seq: message.seq});
				},
				error => post({type: 'runFailed', error: portableError(error)}),
			);
			return;
		case 'finish':
			prepared.finish({compact: message.compact}).then(
				summary => {
					sink.dispose();
					sink.flush();
					post({type: 'finished', end: endFacts(prepared, summary)});
				},
				error => post({type: 'runFailed', error: portableError(error)}),
			);
			return;
		case 'finishNow': {
			const summary = prepared.finishNow();
			sink.dispose();
			sink.flush();
			post({type: 'finished', end: endFacts(prepared, summary)});
			return;
		}
	}
}

const ready = prepare();
port.on('message', (message: ToWorker) => {
	void ready.then(() => {
		if (run) handle(message, run);
	});
});
