/**
 * A new run's parts, laid out before anything is uploaded (sizes and hashes only: the
 * files themselves are built again one at a time as each goes up), and the hash of the
 * whole input that ties a state file to the input and options it was made for.
 */
import {createHash} from 'node:crypto';
import {requestLine, requestParts, type BatchJobRequest, type PartLimits} from './requestLines.js';
import type {PartState} from './stateFile.js';

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
