/**
 * A loopback HTTP proxy in front of the simulator that notes which prompt each request
 * carried and how it ended, so tests can prove what pacer sent (and did not send again).
 */
import * as http from 'node:http';
import type {AddressInfo} from 'node:net';

export interface SeenRequest {
	readonly input: unknown;
	/** The whole JSON request body, or null when it was not JSON. */
	readonly body: Record<string, unknown> | null;
	status: number | null;
}

export interface RecordingProxy {
	readonly url: string;
	readonly seen: SeenRequest[];
	close(): Promise<void>;
}

export async function startRecordingProxy(targetBaseUrl: string): Promise<RecordingProxy> {
	const target = new URL(targetBaseUrl);
	const seen: SeenRequest[] = [];
	const sockets = new Set<import('node:net').Socket>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', chunk => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			let json: Record<string, unknown> | null = null;
			try {
				json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
			} catch {
				// not JSON: note nothing
			}
			const entry: SeenRequest = {input: json?.input ?? null, body: json, status: null};
			seen.push(entry);
			const upstream = http.request(
				{host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers},
				upstreamRes => {
					entry.status = upstreamRes.statusCode ?? null;
					res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
					upstreamRes.pipe(res);
				},
			);
			upstream.on('error', () => res.destroy());
			res.on('close', () => upstream.destroy());
			upstream.end(body);
		});
	});
	server.on('connection', socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/v1`,
		seen,
		close: () =>
			new Promise<void>(resolve => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
