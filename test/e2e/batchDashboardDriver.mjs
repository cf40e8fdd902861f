#!/usr/bin/env node
/**
 * The dashboard of a `--batch-api` run, in a pseudo-terminal, before the real batch runner
 * is wired to it: the live engine runs 12 slow prompts on the simulator (so the run stays
 * under way), and a plain object plays the batch runner's part: it moves three batches'
 * rows on in the store every 200 ms and writes every call the dashboard makes of its
 * controls to a file, one JSON line each. Uses the built code (dist/).
 *
 *   node test/e2e/batchDashboardDriver.mjs <calls-file>
 */
import {appendFileSync} from 'node:fs';
import {prepareRun} from '../../dist/runBatch.js';
import {runDashboard} from '../../dist/components/runDashboard.js';

const callsFile = process.argv[2];
const jobs = Array.from({length: 12}, (_, k) => {
	const text = `Prompt ${k + 1}: name a colour and say why`;
	return {id: `line-${k + 1}`, line: k + 1, input: text, text};
});
const run = await prepareRun(jobs, {out: null, concurrency: 1, endpoint: {kind: 'sim', profile: 'calm', seed: 1, options: {latencyScale: 10}}});

const start = Date.now();
const part = n => ({
	part: n,
	parts: 3,
	firstLine: (n - 1) * 4 + 1,
	lastLine: n * 4,
	requests: 4,
	fileId: `file-${n}`,
	batchId: `batch_${String(n).repeat(24)}`,
	status: 'in_progress',
	completed: 0,
	failed: 0,
	createdAt: start,
	endedAt: null,
	note: null,
});
let rows = [part(1), part(2), {...part(3), status: 'uploading', fileId: null, batchId: null, createdAt: null}];
const set = (n, patch) => {
	rows = rows.map(row => (row.part === n ? {...row, ...patch} : row));
	run.store.getState().setBatches(rows);
};
run.store.getState().setBatches(rows);

// Part 1 finishes a line a step; part 2 one every fourth step (until it is cancelled);
// part 3 goes up, is created and starts.
let step = 0;
const timer = setInterval(() => {
	step++;
	const [one, two, three] = rows;
	if (one.status === 'in_progress') set(1, one.completed === 3 ? {completed: 4, status: 'completed', endedAt: Date.now()} : {completed: one.completed + 1});
	if (two.status === 'in_progress' && step % 4 === 0 && two.completed < 3) set(2, {completed: two.completed + 1});
	if (two.status === 'cancelling') set(2, {status: 'cancelled', endedAt: Date.now(), note: `cancelled with ${two.completed} of 4 done`});
	if (step === 3) set(3, {status: 'creating', fileId: three.fileId ?? 'file-3'});
	if (step === 6) set(3, {status: 'validating', batchId: `batch_${'3'.repeat(24)}`, createdAt: Date.now()});
	if (step === 9) set(3, {status: 'in_progress'});
}, 200);

const record = call => appendFileSync(callsFile, `${JSON.stringify(call)}\n`);
const batchControls = {
	cancelBatch(batchId) {
		record({call: 'cancelBatch', batchId});
		const row = rows.find(each => each.batchId === batchId);
		if (row) set(row.part, {status: 'cancelling'});
	},
	detach() {
		record({call: 'detach', phase: run.store.getState().run.phase});
		clearInterval(timer);
		// This run's own work is the engine's prompts: stopping watching ends them here.
		void run.runner.stop({abort: true, reason: 'detached'});
	},
};

const code = await runDashboard({...run, endpointLabel: 'api.example.test · Batch API', batch: batchControls}, {exitWhenDone: false});
clearInterval(timer);
process.exitCode = code;
setTimeout(() => process.exit(code), 50).unref();
