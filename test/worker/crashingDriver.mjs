#!/usr/bin/env node
/**
 * The dashboard over a run whose worker throws (test/worker/crashingWorker.mjs): N prompts
 * against the built-in simulator. Uses the built code (dist/).
 *
 *   node test/worker/crashingDriver.mjs <prompts-file> <results-file>
 */
import {runDashboard} from '../../dist/components/runDashboard.js';
import {openJobFile} from '../../dist/core/jobFile.js';
import {startRemoteRun} from '../../dist/worker/remoteRun.js';

const [file, out] = process.argv.slice(2);
const jobs = openJobFile(file);
const code = await runDashboard(
	{
		preview: {jobs: {[Symbol.iterator]: () => jobs.specs()}, model: 'gpt-5.4-mini', concurrency: 2},
		prepare: store =>
			startRemoteRun({
				entry: new URL('./crashingWorker.mjs', import.meta.url),
				store,
				start: {
					input: {file},
					options: {out, concurrency: 2, maxOutputTokens: 32},
					endpoint: {kind: 'sim', profile: 'calm', seed: 2, options: {latencyScale: 0.5}},
					rowsShown: {model: 'gpt-5.4-mini'},
				},
			}),
	},
	{exitWhenDone: false},
);
process.exit(code);
