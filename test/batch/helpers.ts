/** What the Batch API tests share: a temp folder, the simulator endpoint, fast polling, records on disk. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {Endpoint, RunOptions} from '../../src/runBatch.js';
import type {ResultRecord} from '../../src/core/types.js';

export function tempDir(): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-batch-'));
}

export const simEndpoint = (options: {batchTimeScale?: number; batchExpireAfter?: number; seed?: number; badRequest?: number} = {}): Endpoint => ({
	kind: 'sim',
	profile: 'calm',
	seed: options.seed ?? 1,
	options: {
		latencyScale: 0,
		batchTimeScale: options.batchTimeScale ?? 0.001,
		...(options.batchExpireAfter != null ? {batchExpireAfter: options.batchExpireAfter} : {}),
		...(options.badRequest != null ? {faults: {badRequest: options.badRequest}} : {}),
	},
});

/** A batch run that looks at its batches often: the simulator's minutes are milliseconds. */
export const fast: Partial<RunOptions> = {batchApi: true, batchPoll: {minMs: 5, maxMs: 20}, backoffBaseMs: 5, backoffMaxMs: 20};

export function readRecords(file: string): ResultRecord[] {
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as ResultRecord);
}

export const prompts = (n: number): string[] => Array.from({length: n}, (_, i) => `Prompt number ${i + 1}: say something about the number ${i + 1}.`);
