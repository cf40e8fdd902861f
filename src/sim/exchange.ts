/** One HTTP request/response pair: its timers, its headers, its way of ending. */
import type {IncomingMessage, ServerResponse} from 'node:http';
import {SIM_ORGANIZATION, type SimErrorResponse} from './errors.js';
import {newRequestId} from './response.js';

export const OPENAI_VERSION = '2020-10-01';

export type Headers = Record<string, string | number>;

export class Exchange {
	readonly req: IncomingMessage;
	readonly res: ServerResponse;
	readonly requestId = newRequestId();
	readonly startedAt = performance.now();
	/** What happened, for the log line ("fault=cut attempt=2 ..."). */
	readonly notes: string[] = [];
	#closed = false;
	#timers = new Set<NodeJS.Timeout>();
	#onAbort: (() => void) | null = null;

	readonly #onStatus: (status: number) => void;

	constructor(
		req: IncomingMessage,
		res: ServerResponse,
		hooks: {onStatus: (status: number) => void; onClose: (exchange: Exchange) => void},
	) {
		this.req = req;
		this.res = res;
		this.#onStatus = hooks.onStatus;
		const {onClose} = hooks;
		res.on('close', () => {
			this.#closed = true;
			for (const timer of this.#timers) clearTimeout(timer);
			this.#timers.clear();
			const onAbort = this.#onAbort;
			this.#onAbort = null;
			onAbort?.();
			onClose(this);
		});
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Runs `fn` after `ms` unless the connection is gone by then; at 0 ms, runs it now. */
	after(ms: number, fn: () => void): void {
		if (this.#closed) return;
		if (!(ms > 0)) {
			fn();
			return;
		}
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			if (!this.#closed) fn();
		}, ms);
		this.#timers.add(timer);
	}

	/** Called once if the connection closes before `settle()`, e.g. the client gave up. */
	onAbort(fn: () => void): void {
		this.#onAbort = fn;
	}

	settle(): void {
		this.#onAbort = null;
	}

	processingMs(): number {
		return Math.round(performance.now() - this.startedAt);
	}

	apiHeaders(extra: Headers = {}): Headers {
		return {
			'x-request-id': this.requestId,
			'openai-processing-ms': this.processingMs(),
			'openai-version': OPENAI_VERSION,
			'openai-organization': SIM_ORGANIZATION,
			...extra,
		};
	}

	/** Counted here rather than on 'close', so stats are current when the client has its answer. */
	writeHead(status: number, headers: Headers): void {
		this.#onStatus(status);
		this.res.writeHead(status, headers);
	}

	sendBody(status: number, contentType: string, body: string, headers: Headers): void {
		if (this.#closed) return;
		this.writeHead(status, {
			...headers,
			'content-type': contentType,
			'content-length': Buffer.byteLength(body),
		});
		this.res.end(body);
	}

	/** A 200 JSON body that promises its whole length, delivers the first `share` of it and hangs up. */
	sendCutBody(body: string, share: number, headers: Headers): void {
		if (this.#closed) return;
		this.writeHead(200, {...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
		this.res.write(body.slice(0, Math.floor(body.length * share)), () => this.destroy());
	}

	sendJson(status: number, value: unknown, headers: Headers = {}): void {
		this.sendBody(status, 'application/json', JSON.stringify(value), this.apiHeaders(headers));
	}

	/** JSON errors carry the API's headers; a CDN's HTML page only the request id. */
	sendError(error: SimErrorResponse, headers: Headers = {}): void {
		const base = error.contentType === 'application/json' ? this.apiHeaders(headers) : {'x-request-id': this.requestId};
		this.sendBody(error.status, error.contentType, error.body, base);
	}

	/** Tear the connection down with no response at all. */
	destroy(): void {
		this.req.socket.destroy();
	}
}
