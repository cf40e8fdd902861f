/**
 * A live run whose engine is in a worker thread, as the dashboard holds a run: the
 * worker's sink batches land in the dashboard's own store, its controls go out as
 * messages, and finishing (the results compacted, the simulator closed) happens there.
 * A worker that throws or dies rejects `failed`; the dashboard then leaves as for a bug.
 */
import {Worker} from 'node:worker_threads';
import type {RunSummary} from '../core/ledger.js';
import type {PreparedRun} from '../runBatch.js';
import type {RunStore} from '../store/runStore.js';
import type {EndFacts, FromWorker, PortableError, PreparedFacts, ToWorker, WorkerStart} from './messages.js';
import {RemoteControls} from './remoteControls.js';
import {storeApplier} from './storeApplier.js';

/**
 * The worker's young generation, a third of V8's default (48 MB): a reply's objects live a
 * second or two, and a quit's skips (sliced, engine.ts) make garbage fast. Measured at
 * 100,000 jobs (bench, peak RSS, before the skips were sliced): 313 and 325 MB at 16, 328
 * and 329 with the default, 414 and 348 at 6 (too small: more of a reply's objects get
 * promoted).
 */
const YOUNG_GENERATION_MB = 16;

export interface RemoteRunOptions {
	/** The worker's entry: the built dist/worker/engineWorker.js. */
	readonly entry: URL;
	readonly start: WorkerStart;
	/** The dashboard's store (the preview's, with every job's row): the worker's news lands here. */
	readonly store: RunStore;
	/** How long `finishNow` waits for the worker's answer before giving up on it. @default 400 */
	readonly finishNowMs?: number;
}

export interface RemoteRun extends PreparedFacts, Pick<PreparedRun, 'store' | 'fallback' | 'compactError'> {
	readonly runner: RemoteControls;
	finish(options?: {compact?: boolean}): Promise<RunSummary>;
	/** Close the results at once (a signal's deadline, a bug); resolves once the worker said so, or after `finishNowMs`. */
	finishNow(): Promise<RunSummary>;
	/** Rejects when the worker hits an error nobody caught, or dies before the run is finished. */
	readonly failed: Promise<never>;
}

/** Start the worker; resolves once its run is prepared, rejects with what stopped preparing it. */
export function startRemoteRun(options: RemoteRunOptions): Promise<RemoteRun> {
	const {store} = options;
	const applier = storeApplier(store);
	// The API key goes as workerData: in memory, never in argv or the environment of a process.
	const worker = new Worker(options.entry, {workerData: options.start, resourceLimits: {maxYoungGenerationSizeMb: YOUNG_GENERATION_MB}});
	const post = (message: ToWorker) => worker.postMessage(message);
	let summary: RunSummary | null = null;
	let controls: RemoteControls | null = null;
	let end: EndFacts | null = null;
	const endWaiters: Array<() => void> = [];
	const ended = (facts: EndFacts | null) => {
		if (facts) {
			end = facts;
			summary = facts.summary;
			controls?.summarized(facts.summary);
		}
		for (const resolve of endWaiters.splice(0)) resolve();
	};
	const whenEnded = () => new Promise<void>(resolve => (end ? resolve() : endWaiters.push(resolve)));

	let fail!: (error: unknown) => void;
	const failed = new Promise<never>((_, reject) => (fail = reject));
	failed.catch(() => {});

	return new Promise<RemoteRun>((resolvePrepared, rejectPrepared) => {
		let prepared = false;
		const broke = (error: unknown) => {
			ended(null);
			if (prepared) fail(error);
			else rejectPrepared(error);
			void worker.terminate();
		};
		worker.on('error', broke);
		worker.on('exit', code => {
			if (!end) broke(new Error(`the engine's worker thread stopped (exit code ${code}) before the run was finished`));
		});
		worker.on('message', (message: FromWorker) => {
			switch (message.type) {
				case 'sink':
					applier.apply(message.batch);
					if (message.batch.summary) {
						summary = message.batch.summary;
						controls?.summarized(summary);
					}
					return;
				case 'prepared': {
					prepared = true;
					controls = new RemoteControls(post, store, summary!);
					resolvePrepared(remoteRun(message.facts, controls));
					return;
				}
				case 'prepareFailed':
					end = {summary: summary!, fallback: null, compactError: null};
					rejectPrepared(errorFrom(message.error));
					void worker.terminate();
					return;
				case 'stopped':
					return controls?.stopped(message.seq);
				case 'ran':
					return controls?.ran();
				case 'runFailed':
					return controls?.runFailed(errorFrom(message.error));
				case 'finished':
					ended(message.end);
					void worker.terminate();
					return;
				case 'fatal':
					ended(message.end);
					broke(errorFrom(message.error));
					return;
			}
		});
	});

	function remoteRun(facts: PreparedFacts, runner: RemoteControls): RemoteRun {
		let finishing: Promise<RunSummary> | null = null;
		return {
			...facts,
			runner,
			store,
			failed,
			finish(finishOptions = {}) {
				finishing ??= (async () => {
					post({type: 'finish', compact: finishOptions.compact});
					await Promise.race([whenEnded(), failed]);
					return summary!;
				})();
				return finishing;
			},
			async finishNow() {
				if (!end) {
					post({type: 'finishNow'});
					let timer: NodeJS.Timeout | undefined;
					await Promise.race([whenEnded(), new Promise(resolve => (timer = setTimeout(resolve, options.finishNowMs ?? 400)))]);
					clearTimeout(timer);
				}
				return summary!;
			},
			get fallback() {
				return end?.fallback ?? null;
			},
			get compactError() {
				return end?.compactError ?? null;
			},
		};
	}
}

function errorFrom(portable: PortableError): Error {
	const error = new Error(portable.message);
	error.name = portable.name;
	if (portable.stack) error.stack = portable.stack;
	return error;
}
