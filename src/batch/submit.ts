/**
 * The two provider steps that cost something: a part's file goes up (built again from its
 * jobs, checked against its layout), and its batch is created, unless an earlier run that
 * died between the create and saving its id already made it (found by its metadata).
 */
import type OpenAI from 'openai';
import {toFile} from 'openai';
import {withRetries, type Batch, type CallPolicy} from './poll.js';
import {requestParts, type BatchJobRequest, type RequestPart} from './requestLines.js';
import type {PartState} from './stateFile.js';

/**
 * Build the part's file from `jobs` and upload it (`purpose: batch`). With `lookUp` (an
 * earlier process died during this upload), a file of the same name and size already at
 * the provider is taken instead.
 */
export async function uploadPart(
	openai: OpenAI,
	jobs: readonly BatchJobRequest[],
	filename: string,
	options: {readonly policy: CallPolicy; readonly lookUp?: boolean},
): Promise<{fileId: string; built: RequestPart}> {
	let built: RequestPart | null = null;
	// The layout already cut the part: it is built whole, as one file.
	for await (const part of requestParts(jobs, {keepContent: true, maxBytes: Number.MAX_SAFE_INTEGER, maxRequests: Number.MAX_SAFE_INTEGER})) built = part;
	const found = options.lookUp ? await findFile(openai, filename, built!.bytes, options.policy) : null;
	if (found) return {fileId: found, built: built!};
	const content = Buffer.concat(built!.content!);
	const file = await withRetries('files.create', async () => openai.files.create({file: await toFile(content, filename), purpose: 'batch'}), options.policy);
	return {fileId: file.id, built: built!};
}

async function findFile(openai: OpenAI, filename: string, bytes: number, policy: CallPolicy): Promise<string | null> {
	let page = await withRetries('files.list', () => openai.files.list({purpose: 'batch'}), policy);
	for (;;) {
		const file = page.data.find(f => f.filename === filename && f.bytes === bytes);
		if (file) return file.id;
		if (!page.hasNextPage()) return null;
		const current = page;
		page = await withRetries('files.list', () => current.getNextPage(), policy);
	}
}

export interface BatchMetadata {
	readonly pacer_run: string;
	readonly pacer_part: string;
}

/**
 * The part's batch: the one `batches.list` already holds for this run and part when
 * `lookUp` (its file came from an earlier process), else a new one.
 */
export async function createBatch(openai: OpenAI, part: PartState, metadata: BatchMetadata, options: {readonly lookUp: boolean; readonly since: number; readonly policy: CallPolicy}): Promise<Batch> {
	if (options.lookUp) {
		const found = await findBatch(openai, metadata, options.since, options.policy);
		if (found) return found;
	}
	return withRetries('batches.create', () => openai.batches.create({input_file_id: part.fileId!, endpoint: part.endpoint, completion_window: '24h', metadata: {...metadata}}), options.policy);
}

async function findBatch(openai: OpenAI, metadata: BatchMetadata, since: number, policy: CallPolicy): Promise<Batch | null> {
	let page = await withRetries('batches.list', () => openai.batches.list({limit: 100}), policy);
	for (;;) {
		for (const batch of page.data) {
			const m = batch.metadata as Record<string, string> | null;
			if (m?.pacer_run === metadata.pacer_run && m.pacer_part === metadata.pacer_part) return batch;
			// Newest first: a batch made before the run was laid out cannot be its own.
			if (batch.created_at * 1000 < since - 60_000) return null;
		}
		if (!page.hasNextPage()) return null;
		const current = page;
		page = await withRetries('batches.list', () => current.getNextPage(), policy);
	}
}
