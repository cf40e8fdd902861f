/**
 * Reading a finished batch into the results: its output and error files are streamed
 * (split into lines as they arrive, never held whole: a file may be 200 MB), each line
 * joined to its job by `custom_id` (lines come in any order) and written once. What the
 * files leave out gets a record too: the batch failed validation (with the error naming
 * the line, when the provider named one), was cancelled before the request ran, or lost
 * the line.
 */
import type OpenAI from 'openai';
import {recordFromLine, recordWithout, type BatchJobFacts, type OutputLine, type RecordContext} from './batchRecords.js';
import {withRetries, type Batch, type CallPolicy} from './poll.js';
import type {ResultRecord} from '../core/types.js';

/** The lines of a file as they arrive. */
export async function* bodyLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
	if (!body) return;
	const decoder = new TextDecoder();
	let rest = '';
	for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
		rest += decoder.decode(chunk, {stream: true});
		let newline: number;
		while ((newline = rest.indexOf('\n')) >= 0) {
			const line = rest.slice(0, newline).trim();
			rest = rest.slice(newline + 1);
			if (line) yield line;
		}
	}
	rest += decoder.decode();
	if (rest.trim()) yield rest.trim();
}

export interface CollectOptions {
	readonly openai: OpenAI;
	readonly batch: Batch;
	/** The part's jobs that still need a record, in the order of its file's lines. */
	readonly pending: Map<string, BatchJobFacts>;
	readonly policy: CallPolicy;
	readonly write: (record: ResultRecord) => void;
	readonly now: () => number;
}

/** Every pending job of the batch gets its record; returns how many came from the files. */
export async function collectBatch(options: CollectOptions): Promise<number> {
	const {openai, batch, pending} = options;
	const order = [...pending.keys()];
	const context = (): RecordContext => ({batchId: batch.id, startedAt: batch.created_at ? batch.created_at * 1000 : null, now: options.now()});
	let fromFiles = 0;
	for (const fileId of [batch.output_file_id, batch.error_file_id]) {
		if (!fileId) continue;
		// A read cut part-way is read again from the start: lines already written are skipped.
		await withRetries(
			'files.content',
			async () => {
				const response = await openai.files.content(fileId);
				for await (const text of bodyLines(response.body)) {
					// A detach stops here: the part stays uncollected and --resume reads the file again.
					options.policy.signal?.throwIfAborted();
					let line: OutputLine;
					try {
						line = JSON.parse(text) as OutputLine;
					} catch {
						continue;
					}
					const job = typeof line.custom_id === 'string' ? pending.get(line.custom_id) : undefined;
					if (!job) continue;
					pending.delete(job.id);
					options.write(recordFromLine(line, job, context()));
					fromFiles++;
				}
			},
			options.policy,
		);
	}
	const validation = batch.status === 'failed' ? validationErrors(batch, order) : null;
	for (const job of [...pending.values()]) {
		pending.delete(job.id);
		options.write(missingRecord(batch, job, validation, context()));
	}
	return fromFiles;
}

type ValidationErrors = {byId: Map<string, {code: string | null; message: string}>; first: string};

function validationErrors(batch: Batch, order: readonly string[]): ValidationErrors {
	const byId = new Map<string, {code: string | null; message: string}>();
	const data = batch.errors?.data ?? [];
	for (const error of data) {
		const id = error.line != null ? order[error.line - 1] : undefined;
		if (id) byId.set(id, {code: error.code ?? null, message: `line ${error.line} of the batch file: ${error.message ?? 'refused'}`});
	}
	const first = data[0] ? `${data[0].message ?? data[0].code}${data[0].line != null ? ` (line ${data[0].line} of the batch file)` : ''}` : 'no reason given';
	return {byId, first};
}

function missingRecord(batch: Batch, job: BatchJobFacts, validation: ValidationErrors | null, context: RecordContext): ResultRecord {
	if (validation) {
		const own = validation.byId.get(job.id);
		const message = own ? `the batch failed validation: ${own.message}` : `not run: the batch failed validation (${validation.first})`;
		return recordWithout(job, 'failed', {kind: 'bad_request', status: null, code: own?.code ?? 'batch_failed', message}, context);
	}
	if (batch.status === 'cancelled') {
		return recordWithout(job, 'cancelled', {kind: 'cancelled', status: null, code: 'batch_cancelled', message: 'the batch was cancelled before this request ran'}, context);
	}
	if (batch.status === 'expired') {
		return recordWithout(job, 'failed', {kind: 'timeout', status: null, code: 'batch_expired', message: 'the 24 h completion window closed before this request ran'}, context);
	}
	return recordWithout(job, 'failed', {kind: 'unexpected', status: null, code: 'batch_line_missing', message: `batch ${batch.id} ended ${batch.status} with no line for this request in its output or error file`}, context);
}
