/**
 * The Files API (`/v1/files`, upload, retrieve, content) and the Batches API
 * (`/v1/batches`, create, retrieve, cancel, list), over one simulator's BatchStore.
 */
import type {IncomingMessage} from 'node:http';
import type {BatchEndpoint} from './batchLines.js';
import type {BatchStore} from './batchStore.js';
import * as errors from './errors.js';
import type {Exchange} from './exchange.js';
import {isObject, jsonObject} from './validate.js';

const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
const ENDPOINTS: readonly BatchEndpoint[] = ['/v1/responses', '/v1/chat/completions'];

export const isBatchPath = (path: string): boolean => /^\/v1\/(files|batches)(\/|$)/.test(path);

const notFound = (kind: string, id: string) => errors.invalidRequest(404, `No such ${kind}: '${id}'.`, 'id', null);

function readRaw(req: IncomingMessage, done: (body: Buffer | null) => void): void {
	const chunks: Buffer[] = [];
	let size = 0;
	req.on('data', (chunk: Buffer) => {
		size += chunk.length;
		if (size <= MAX_UPLOAD_BYTES) chunks.push(chunk);
	});
	req.on('end', () => done(size > MAX_UPLOAD_BYTES ? null : Buffer.concat(chunks)));
}

export class BatchesRoute {
	readonly #store: BatchStore;

	constructor(store: BatchStore) {
		this.#store = store;
	}

	handle(exchange: Exchange, method: string, path: string, query: URLSearchParams): void {
		const {req} = exchange;
		if (method === 'POST') {
			readRaw(req, (body) => {
				if (body === null) exchange.sendError(errors.payloadTooLarge());
				else void this.#post(exchange, path, body).catch(() => exchange.sendError(errors.serverError()));
			});
			return;
		}
		req.resume();
		const file = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
		const batch = /^\/v1\/batches\/([^/]+)$/.exec(path);
		if (method === 'GET' && file) {
			const stored = this.#store.file(file[1]);
			if (!stored) exchange.sendError(notFound('file', file[1]));
			else if (file[2]) exchange.sendBody(200, 'application/octet-stream', stored.content.toString('utf8'), exchange.apiHeaders());
			else exchange.sendJson(200, this.#store.fileObject(stored));
		} else if (method === 'GET' && batch) {
			const object = this.#store.object(batch[1]);
			if (object) exchange.sendJson(200, object);
			else exchange.sendError(notFound('batch', batch[1]));
		} else if (method === 'GET' && path === '/v1/files') {
			const purpose = query.get('purpose');
			exchange.sendJson(200, {object: 'list', data: this.#store.files().filter((f) => purpose === null || f.purpose === purpose).map((f) => this.#store.fileObject(f)), has_more: false});
		} else if (method === 'GET' && path === '/v1/batches') {
			const limit = Number(query.get('limit') ?? 20);
			if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
				exchange.sendError(errors.invalidRequest(400, `Invalid 'limit': expected an integer from 1 to 100, but got ${String(query.get('limit'))} instead.`, 'limit', 'invalid_value'));
			} else exchange.sendJson(200, this.#store.list(query.get('after'), limit));
		} else exchange.sendError(errors.invalidUrl(method, req.url ?? '/'));
	}

	async #post(exchange: Exchange, path: string, body: Buffer): Promise<void> {
		if (path === '/v1/files') return this.#upload(exchange, body);
		if (path === '/v1/batches') return this.#create(exchange, body.toString('utf8'));
		const cancel = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path);
		if (cancel) {
			const object = this.#store.cancel(cancel[1]);
			if (object) exchange.sendJson(200, object);
			else exchange.sendError(notFound('batch', cancel[1]));
			return;
		}
		exchange.sendError(errors.invalidUrl('POST', exchange.req.url ?? '/'));
	}

	async #upload(exchange: Exchange, body: Buffer): Promise<void> {
		const contentType = exchange.req.headers['content-type'] ?? '';
		if (!contentType.startsWith('multipart/form-data')) {
			exchange.sendError(errors.invalidRequest(400, 'The request must be multipart/form-data with a file and a purpose.', null, null));
			return;
		}
		let form: FormData;
		try {
			form = await new Request('http://sim.invalid/', {method: 'POST', headers: {'content-type': contentType}, body}).formData();
		} catch {
			exchange.sendError(errors.invalidRequest(400, 'Could not parse the multipart form.', null, null));
			return;
		}
		const purpose = form.get('purpose');
		const file = form.get('file');
		if (typeof purpose !== 'string') return exchange.sendError(errors.missingParameter('purpose'));
		if (purpose !== 'batch') return exchange.sendError(errors.invalidValue('purpose', purpose, ['batch']));
		if (file === null || typeof file === 'string') return exchange.sendError(errors.missingParameter('file'));
		const stored = this.#store.addFile(file.name || 'upload.jsonl', purpose, Buffer.from(await file.arrayBuffer()));
		exchange.sendJson(200, this.#store.fileObject(stored));
	}

	#create(exchange: Exchange, raw: string): void {
		const body = jsonObject(raw);
		if (!body) return exchange.sendError(errors.invalidJson());
		const {input_file_id: inputFileId, endpoint, completion_window: window, metadata} = body;
		if (typeof inputFileId !== 'string') return exchange.sendError(errors.missingParameter('input_file_id'));
		if (typeof endpoint !== 'string') return exchange.sendError(errors.missingParameter('endpoint'));
		if (!ENDPOINTS.includes(endpoint as BatchEndpoint)) return exchange.sendError(errors.invalidValue('endpoint', endpoint, ENDPOINTS));
		if (window !== '24h') return exchange.sendError(errors.invalidValue('completion_window', String(window), ['24h']));
		if (metadata !== undefined && metadata !== null && !isObject(metadata)) return exchange.sendError(errors.invalidType('metadata', 'an object', metadata));
		const input = this.#store.file(inputFileId);
		if (!input) return exchange.sendError(notFound('file', inputFileId));
		if (input.purpose !== 'batch') {
			return exchange.sendError(errors.invalidRequest(400, `The file '${inputFileId}' has purpose '${input.purpose}', not 'batch'.`, 'input_file_id', 'invalid_value'));
		}
		const object = this.#store.create(input, endpoint as BatchEndpoint, isObject(metadata) ? (metadata as Record<string, string>) : null);
		exchange.sendJson(200, object);
	}
}
