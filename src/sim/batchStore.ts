/**
 * The Files and Batches of one simulator, in memory: uploads, and each batch's walk
 * through validating -> in_progress -> finalizing -> completed (or failed, expired,
 * cancelling -> cancelled) on the `batchTimeScale` clock.
 */
import {randomUUID} from 'node:crypto';
import {type BatchEndpoint, type BatchLine, type BatchOutputLine, checkInputFile, expiredLine, type FileError, runLine} from './batchLines.js';
import type {SimConfig} from './config.js';
import {mixSeed, Rng} from './random.js';

export interface StoredFile {
	readonly id: string;
	readonly filename: string;
	readonly purpose: string;
	readonly createdAt: number;
	readonly content: Buffer;
}

type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

interface BatchState {
	readonly id: string;
	readonly endpoint: BatchEndpoint;
	readonly inputFileId: string;
	readonly metadata: Record<string, string> | null;
	readonly createdAt: number;
	status: BatchStatus;
	model?: string;
	lines: BatchLine[];
	done: BatchOutputLine[];
	failed: BatchOutputLine[];
	completed: number;
	failedCount: number;
	usage: {input: number; output: number; reasoning: number};
	errors?: FileError[];
	outputFileId?: string;
	errorFileId?: string;
	times: Partial<Record<'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'expired_at' | 'cancelling_at' | 'cancelled_at', number>>;
	timer?: NodeJS.Timeout;
	/** Position in `lines` of the next request to run. */
	next: number;
}

const WINDOW_SECONDS = 24 * 3600;
const now = (): number => Math.floor(Date.now() / 1000);
const id = (prefix: string): string => `${prefix}${randomUUID().replaceAll('-', '').slice(0, 24)}`;

export class BatchStore {
	readonly #config: SimConfig;
	readonly #files = new Map<string, StoredFile>();
	/** In creation order, for the list's cursor. */
	readonly #batches = new Map<string, BatchState>();
	#seq = 0;
	#closed = false;

	constructor(config: SimConfig) {
		this.#config = config;
	}

	addFile(filename: string, purpose: string, content: Buffer): StoredFile {
		const file = {id: id('file-'), filename, purpose, createdAt: now(), content};
		this.#files.set(file.id, file);
		return file;
	}

	/** Every file, newest first, as the real list is. */
	files(): StoredFile[] {
		return [...this.#files.values()].reverse();
	}

	file(fileId: string): StoredFile | undefined {
		return this.#files.get(fileId);
	}

	fileObject(file: StoredFile): Record<string, unknown> {
		const expires = file.purpose === 'batch' || file.purpose === 'batch_output' ? {expires_at: file.createdAt + 30 * 86400} : {};
		return {id: file.id, object: 'file', bytes: file.content.length, created_at: file.createdAt, filename: file.filename, purpose: file.purpose, status: 'processed', ...expires};
	}

	create(input: StoredFile, endpoint: BatchEndpoint, metadata: Record<string, string> | null): Record<string, unknown> {
		const batch: BatchState = {
			id: id('batch_'),
			endpoint,
			inputFileId: input.id,
			metadata,
			createdAt: now(),
			status: 'validating',
			lines: [],
			done: [],
			failed: [],
			completed: 0,
			failedCount: 0,
			usage: {input: 0, output: 0, reasoning: 0},
			times: {},
			next: 0,
		};
		this.#batches.set(batch.id, batch);
		this.#after(batch, 1, () => this.#validate(batch, input));
		return this.object(batch.id)!;
	}

	cancel(batchId: string): Record<string, unknown> | undefined {
		const batch = this.#batches.get(batchId);
		if (!batch) return undefined;
		if (batch.status === 'validating' || batch.status === 'in_progress') {
			clearTimeout(batch.timer);
			batch.status = 'cancelling';
			batch.times.cancelling_at = now();
			// Requests already running finish; the rest never start.
			this.#after(batch, 2, () => this.#finish(batch, 'cancelled'));
		}
		return this.object(batchId);
	}

	object(batchId: string): Record<string, unknown> | undefined {
		const batch = this.#batches.get(batchId);
		if (!batch) return undefined;
		const total = batch.status === 'validating' || batch.status === 'failed' ? 0 : batch.lines.length;
		// Unset fields are left out: the schema types them as plain integers and strings.
		const optional = {
			model: batch.model,
			errors: batch.errors ? {object: 'list', data: batch.errors} : undefined,
			output_file_id: batch.outputFileId,
			error_file_id: batch.errorFileId,
			...batch.times,
		};
		return {
			id: batch.id,
			object: 'batch',
			endpoint: batch.endpoint,
			input_file_id: batch.inputFileId,
			completion_window: '24h',
			status: batch.status,
			created_at: batch.createdAt,
			expires_at: batch.createdAt + WINDOW_SECONDS,
			...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
			request_counts: {total, completed: batch.completed, failed: batch.failedCount},
			usage: {
				input_tokens: batch.usage.input,
				input_tokens_details: {cached_tokens: 0},
				output_tokens: batch.usage.output,
				output_tokens_details: {reasoning_tokens: batch.usage.reasoning},
				total_tokens: batch.usage.input + batch.usage.output,
			},
			metadata: batch.metadata,
		};
	}

	/** Newest first, as the real list is; `after` is the id of the last batch already seen. */
	list(after: string | null, limit: number): Record<string, unknown> {
		const all = [...this.#batches.keys()].reverse();
		const start = after === null ? 0 : all.indexOf(after) + 1;
		const page = all.slice(start, start + limit);
		const data = page.map((batchId) => this.object(batchId));
		const ends = page.length > 0 ? {first_id: page[0], last_id: page.at(-1)} : {};
		return {object: 'list', data, ...ends, has_more: start + limit < all.length};
	}

	close(): void {
		this.#closed = true;
		for (const batch of this.#batches.values()) clearTimeout(batch.timer);
	}

	#after(batch: BatchState, requests: number, fn: () => void): void {
		if (this.#closed) return;
		const ms = Math.max(0, requests * this.#config.batchTimeScale * 1000);
		batch.timer = setTimeout(fn, ms);
	}

	#validate(batch: BatchState, input: StoredFile): void {
		const {lines, errors} = checkInputFile(input.content.toString('utf8'), batch.endpoint);
		if (errors.length > 0) {
			batch.errors = errors;
			batch.status = 'failed';
			batch.times.failed_at = now();
			return;
		}
		batch.lines = this.#shuffled(lines);
		const model = /"model":"([^"]+)"/.exec(lines[0].body);
		if (model) batch.model = model[1];
		batch.status = 'in_progress';
		batch.times.in_progress_at = now();
		this.#step(batch);
	}

	/** The order requests run in, hence the output's order: seeded, and not the input's. */
	#shuffled(lines: BatchLine[]): BatchLine[] {
		const rng = new Rng(mixSeed(this.#config.seed, this.#seq++));
		const out = [...lines];
		for (let i = out.length - 1; i > 0; i--) {
			const j = rng.int(0, i);
			[out[i], out[j]] = [out[j], out[i]];
		}
		return out;
	}

	#step(batch: BatchState): void {
		if (batch.status !== 'in_progress') return;
		if (batch.next >= batch.lines.length) {
			batch.status = 'finalizing';
			batch.times.finalizing_at = now();
			this.#after(batch, 1, () => this.#finish(batch, 'completed'));
			return;
		}
		const expireAfter = this.#config.batchExpireAfter;
		if (expireAfter !== undefined && batch.next >= expireAfter) {
			this.#finish(batch, 'expired');
			return;
		}
		this.#after(batch, 1, () => {
			const result = runLine(this.#config, batch.endpoint, batch.lines[batch.next++]);
			if (result.ok) {
				batch.done.push(result.line);
				batch.completed++;
				batch.usage.input += result.usage.input;
				batch.usage.output += result.usage.output;
				batch.usage.reasoning += result.usage.reasoning;
			} else {
				batch.failed.push(result.line);
				batch.failedCount++;
			}
			this.#step(batch);
		});
	}

	#finish(batch: BatchState, status: 'completed' | 'expired' | 'cancelled'): void {
		if (status !== 'completed') {
			const unfinished = batch.lines.slice(batch.next);
			if (status === 'expired') {
				batch.failed.push(...unfinished.map((line) => expiredLine(line.customId)));
				batch.failedCount += unfinished.length;
			}
		}
		const jsonl = (lines: BatchOutputLine[]): Buffer => Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
		if (batch.done.length > 0) batch.outputFileId = this.addFile('batch_output.jsonl', 'batch_output', jsonl(batch.done)).id;
		if (batch.failed.length > 0) batch.errorFileId = this.addFile('batch_errors.jsonl', 'batch_output', jsonl(batch.failed)).id;
		batch.status = status;
		batch.times[status === 'completed' ? 'completed_at' : status === 'expired' ? 'expired_at' : 'cancelled_at'] = now();
	}
}
