/** The HTTP server: routing (the APIs it serves), auth, body reading, socket bookkeeping, close(). */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {AttemptGate} from './attempt.js';
import {BatchesRoute, isBatchPath} from './batchesRoute.js';
import {BatchStore} from './batchStore.js';
import {ChatRoute} from './chatRoute.js';
import {resolveConfig} from './config.js';
import * as errors from './errors.js';
import {Exchange} from './exchange.js';
import {listModels, snapshotOf} from './models.js';
import {RateLimiter} from './ratelimit.js';
import {ResponsesRoute} from './responsesRoute.js';
import {StatsRecorder} from './stats.js';
import type {Simulator, SimulatorOptions} from './types.js';

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const config = resolveConfig(options);
	const stats = new StatsRecorder();
	const limiter = new RateLimiter({
		rpm: config.rpm,
		tpm: config.tpm,
		burstMs: config.burstMs,
		countRejected: config.countRejected,
	});
	const gate = new AttemptGate(config, limiter, stats);
	const routes: Record<string, {handle(exchange: Exchange, body: string): void} | undefined> = {
		'/v1/responses': config.apis.has('responses') ? new ResponsesRoute(gate, stats) : undefined,
		'/v1/chat/completions': config.apis.has('chat') ? new ChatRoute(gate, stats) : undefined,
	};
	const batchStore = new BatchStore(config);
	const batches = new BatchesRoute(batchStore);
	const sockets = new Set<Socket>();

	const onClose = (exchange: Exchange): void => {
		stats.requestEnded();
		const {res} = exchange;
		const outcome = res.headersSent ? String(res.statusCode) : exchange.notes.includes('fault=stall') ? 'stalled' : 'reset';
		config.log?.(
			`${exchange.req.method} ${exchange.req.url} ${outcome} ${exchange.processingMs()}ms ${exchange.requestId} ${exchange.notes.join(' ')}`.trimEnd(),
		);
	};

	const authorise = (exchange: Exchange): boolean => {
		const header = exchange.req.headers.authorization ?? '';
		const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
		if (!match) {
			exchange.sendError(errors.noApiKey(), {});
			return false;
		}
		if (config.apiKey !== undefined && match[1] !== config.apiKey) {
			exchange.sendError(errors.invalidApiKey(match[1]), {});
			return false;
		}
		return true;
	};

	const handle = (req: IncomingMessage, res: ServerResponse): void => {
		stats.requestStarted(Date.now());
		const exchange = new Exchange(req, res, {onStatus: (status) => stats.status(status), onClose});
		const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
		const method = req.method ?? 'GET';
		if (isBatchPath(path)) {
			if (authorise(exchange)) batches.handle(exchange, method, path, new URL(req.url ?? '/', 'http://sim.invalid').searchParams);
			else req.resume();
			return;
		}
		const route = method === 'POST' ? routes[path] : undefined;
		if (route) {
			if (!authorise(exchange)) {
				req.resume();
				return;
			}
			readBody(req, (body) => {
				if (body === null) exchange.sendError(errors.payloadTooLarge(), {});
				else route.handle(exchange, body);
			});
			return;
		}
		if (method === 'GET' && path === '/v1/models') {
			if (authorise(exchange)) exchange.sendJson(200, {object: 'list', data: listModels()});
			return;
		}
		const modelPath = /^\/v1\/models\/([^/]+)$/.exec(path);
		if (method === 'GET' && modelPath) {
			if (!authorise(exchange)) return;
			const id = decodeURIComponent(modelPath[1]);
			const model = listModels().find((m) => m.id === id || snapshotOf(m.id) === id);
			if (model) exchange.sendJson(200, {...model, id});
			else exchange.sendError(errors.modelNotFound(id), {});
			return;
		}
		req.resume();
		exchange.sendError(errors.invalidUrl(method, req.url ?? '/'), {});
	};

	const server = createServer({noDelay: true, keepAliveTimeout: 5_000}, handle);
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	// A client vanishing mid-request must not take the server down.
	server.on('clientError', (_error, socket) => socket.destroy());

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen({host: HOST, port: config.port, backlog: 4096}, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;

	let closing: Promise<void> | null = null;
	return {
		url: `http://${HOST}:${port}/v1`,
		port,
		stats: () => stats.snapshot(),
		resetStats: () => stats.reset(),
		close(): Promise<void> {
			closing ??= new Promise<void>((resolve) => {
				batchStore.close();
				server.close(() => resolve());
				// Stalled streams and keep-alive sockets would hold close() open forever.
				for (const socket of sockets) socket.destroy();
				server.closeAllConnections();
			});
			return closing;
		},
	};
}

/** Calls back with the body text, or null when it is over the size limit. */
function readBody(req: IncomingMessage, done: (body: string | null) => void): void {
	const chunks: Buffer[] = [];
	let size = 0;
	req.on('data', (chunk: Buffer) => {
		size += chunk.length;
		if (size <= MAX_BODY_BYTES) chunks.push(chunk);
	});
	req.on('end', () => done(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
}
