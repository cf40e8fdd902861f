/**
 * Where a run's parts come from: the state file of an earlier run it re-attaches to, or a
 * new layout (sizes and hashes only: each file is built again as it goes up). The hash of
 * every request line ties a state file to the input and options it was made for.
 */
import {createHash, randomBytes} from 'node:crypto';
import {requestLine, requestParts, type BatchJobRequest, type PartLimits} from './requestLines.js';
import {readState, STATE_VERSION, StateFileError, type PartState, type RunState} from './stateFile.js';

/** sha256 of every request line, in order. */
export async function inputHash(jobs: Iterable<BatchJobRequest> | AsyncIterable<BatchJobRequest>): Promise<string> {
	const hash = createHash('sha256');
	for await (const job of jobs) hash.update(requestLine(job));
	return hash.digest('hex');
}

export async function layOut(jobs: Iterable<BatchJobRequest> | AsyncIterable<BatchJobRequest>, limits: PartLimits = {}): Promise<PartState[]> {
	const parts: PartState[] = [];
	for await (const part of requestParts(jobs, limits)) {
		parts.push({
			part: parts.length + 1,
			endpoint: part.endpoint,
			model: part.model,
			firstLine: part.firstLine,
			lastLine: part.lastLine,
			requests: part.requests,
			bytes: part.bytes,
			sha256: part.sha256,
			worstInputTokens: part.worstInputTokens,
			worstOutputTokens: part.worstOutputTokens,
			fileId: null,
			batchId: null,
			status: 'preparing',
			createdAt: null,
			endedAt: null,
			note: null,
			collected: false,
		});
	}
	return parts;
}

/**
 * The state a run goes on from, or null for a new layout. Throws StateFileError when
 * batches of an earlier run are still out and this is no `--resume`, or when they were
 * made for another input or options (checked before anything is sent).
 */
export async function stateToResume(path: string | null, resume: boolean, jobs: readonly BatchJobRequest[], builtInSim = false): Promise<RunState | null> {
	const old = path ? readState(path) : null;
	if (!old || !old.parts.some(part => (part.fileId || part.status === 'uploading') && !part.collected)) return null;
	const out = old.parts.filter(part => part.batchId && !part.collected).map(part => part.batchId).join(', ') || 'uploaded files';
	// The built-in simulator lives in the pacer process that started it: its batches ended with that process.
	if (builtInSim && old.host.startsWith('simulator')) {
		if (!resume) return null;
		throw new StateFileError(`${path}: its batches (${out}) were on the built-in simulator of an earlier pacer process, and ended with it: there is nothing to re-attach to; run again without --resume to send the file again (the simulator bills nothing)`);
	}
	if (!resume) throw new StateFileError(`${path}: an earlier run still has batches at the provider (${out}); re-attach with --resume, or remove the file to start over (what those batches run is billed either way)`);
	if (old.inputHash !== (await inputHash(jobs))) throw new StateFileError(`${path}: made for another input or other options (model, instructions, caps); re-attach with the same ones, or remove the file to start over`);
	return old;
}

/** A new run's state: `all` make its hash, `unsent` (those that still need a line) its parts. */
export async function newState(
	all: readonly BatchJobRequest[],
	unsent: readonly BatchJobRequest[],
	identity: {readonly model: string; readonly api: string; readonly host: string},
	limits: PartLimits | undefined,
	now: number,
): Promise<RunState> {
	return {
		version: STATE_VERSION,
		runId: randomBytes(8).toString('hex'),
		inputHash: await inputHash(all),
		...identity,
		createdAt: new Date(now).toISOString(),
		parts: await layOut(unsent, limits),
	};
}
