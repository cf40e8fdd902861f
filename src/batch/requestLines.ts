/**
 * The prepared jobs of a run as Batch API request lines, `{custom_id, method, url, body}`
 * (no `stream`: the Batch API refuses it), cut into parts the provider takes: one
 * endpoint and one model a file, at most 50,000 requests and 200 MB each. The body is the
 * one the live client would send (../core/requestBody.ts).
 */
import {createHash} from 'node:crypto';
import type {ModelRequest} from '../core/client.js';
import {chatBody, responsesBody} from '../core/requestBody.js';
import type {ApiName, JobSpec} from '../core/types.js';

export type BatchEndpoint = '/v1/responses' | '/v1/chat/completions';

/** The provider's limits on one input file. */
export const MAX_PART_REQUESTS = 50_000;
export const MAX_PART_BYTES = 200 * 1024 * 1024;

/** A job ready to go into a batch: its request with the run's defaults filled in, and where it goes. */
export interface BatchJobRequest {
	readonly spec: JobSpec;
	readonly request: ModelRequest;
	readonly api: ApiName;
	/** Input tokens as the API will count them (an estimate). */
	readonly estimateIn: number;
}

export interface PartLimits {
	/** Requests a part holds at most. @default 50000 */
	readonly maxRequests?: number;
	/** Bytes a part's file holds at most. @default 209715200 (200 MB) */
	readonly maxBytes?: number;
}

/** One input file of the run. */
export interface RequestPart {
	readonly endpoint: BatchEndpoint;
	readonly model: string;
	/** Input lines of the first and last job in it (1-based). */
	readonly firstLine: number;
	readonly lastLine: number;
	readonly requests: number;
	readonly bytes: number;
	/** Of the file's bytes. */
	readonly sha256: string;
	/** The file's lines (each ending in a newline), when asked for. */
	readonly content: readonly Buffer[] | null;
	/** Worst case of what the part may be billed: input estimates and every output cap, in tokens. */
	readonly worstInputTokens: number;
	readonly worstOutputTokens: number;
}

export const endpointOf = (api: ApiName): BatchEndpoint => (api === 'chat' ? '/v1/chat/completions' : '/v1/responses');

/** The request line of one job, with its newline. */
export function requestLine(job: BatchJobRequest): string {
	const body = job.api === 'chat' ? chatBody(job.request) : responsesBody(job.request);
	return `${JSON.stringify({custom_id: job.spec.id, method: 'POST', url: endpointOf(job.api), body})}\n`;
}

class PartBuilder {
	readonly #hash = createHash('sha256');
	readonly #content: Buffer[] | null;
	firstLine = 0;
	lastLine = 0;
	requests = 0;
	bytes = 0;
	worstIn = 0;
	worstOut = 0;

	constructor(
		readonly endpoint: BatchEndpoint,
		readonly model: string,
		keep: boolean,
	) {
		this.#content = keep ? [] : null;
	}

	add(job: BatchJobRequest, line: Buffer): void {
		if (this.requests === 0) this.firstLine = job.spec.line;
		this.lastLine = job.spec.line;
		this.requests++;
		this.bytes += line.length;
		this.worstIn += job.estimateIn;
		this.worstOut += job.request.maxOutputTokens ?? 0;
		this.#hash.update(line);
		this.#content?.push(line);
	}

	done(): RequestPart {
		return {
			endpoint: this.endpoint,
			model: this.model,
			firstLine: this.firstLine,
			lastLine: this.lastLine,
			requests: this.requests,
			bytes: this.bytes,
			sha256: this.#hash.digest('hex'),
			content: this.#content,
			worstInputTokens: this.worstIn,
			worstOutputTokens: this.worstOut,
		};
	}
}

/**
 * The parts of `jobs`, in input order: a new part starts where the endpoint or the model
 * changes or a limit would be passed. `keepContent: false` measures only (sizes, hashes),
 * so a million-line run can be laid out without holding its files.
 */
export async function* requestParts(
	jobs: Iterable<BatchJobRequest> | AsyncIterable<BatchJobRequest>,
	options: PartLimits & {readonly keepContent?: boolean} = {},
): AsyncGenerator<RequestPart> {
	const maxRequests = options.maxRequests ?? MAX_PART_REQUESTS;
	const maxBytes = options.maxBytes ?? MAX_PART_BYTES;
	let part: PartBuilder | null = null;
	for await (const job of jobs) {
		const line = Buffer.from(requestLine(job));
		if (line.length > maxBytes) throw new RangeError(`line ${job.spec.line} (${job.spec.id}): its request line is ${line.length} bytes, more than a Batch API file may hold (${maxBytes})`);
		const endpoint = endpointOf(job.api);
		const model = job.request.model;
		if (part && (part.endpoint !== endpoint || part.model !== model || part.requests >= maxRequests || part.bytes + line.length > maxBytes)) {
			yield part.done();
			part = null;
		}
		part ??= new PartBuilder(endpoint, model, options.keepContent ?? false);
		part.add(job, line);
	}
	if (part) yield part.done();
}
