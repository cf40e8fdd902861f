/**
 * A Responses (and Chat Completions) API on loopback that answers each request exactly as the test scripts it:
 * a streamed reply, or an error status with the headers given. For behaviour the seeded
 * simulator cannot pin down (a storm of 429s with a long retry-after at zero latency).
 * It notes when each request arrived on the test's clock.
 */
import {randomUUID} from 'node:crypto';
import * as http from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

export type ScriptedAnswer =
	/** A whole streamed reply, in the words of the API the request's path names. */
	| {readonly kind: 'reply'; readonly text?: string}
	/** A 200 event stream with exactly this body (frames as the test writes them). */
	| {readonly kind: 'sse'; readonly body: string}
	| {
			readonly kind: 'error';
			readonly status: number;
			readonly headers?: Readonly<Record<string, string>>;
			readonly code?: string;
			readonly type?: string;
			readonly message?: string;
			readonly param?: string;
	  };

export interface ScriptedRequest {
	/** 0-based, in order of arrival. */
	readonly n: number;
	readonly input: unknown;
	/** The request path, e.g. `/v1/chat/completions`. */
	readonly path: string;
	/** The parsed JSON body (null when it was not JSON). */
	readonly body: Record<string, unknown> | null;
	/** The test's clock when the request arrived. */
	readonly at: number;
	readonly answer: ScriptedAnswer;
}

export interface ScriptedServer {
	/** Base URL including `/v1`. */
	readonly url: string;
	readonly requests: readonly ScriptedRequest[];
	close(): Promise<void>;
}

export interface ScriptedServerOptions {
	/** How request `n` (0-based, in order of arrival) is answered. */
	readonly answer: (n: number, input: unknown, request: {readonly path: string; readonly body: Record<string, unknown> | null}) => ScriptedAnswer;
	/** The clock that stamps arrivals. @default Date.now */
	readonly now?: () => number;
}

function sse(type: string, sequence: number, fields: Record<string, unknown>): string {
	return `event: ${type}\ndata: ${JSON.stringify({type, sequence_number: sequence, ...fields})}\n\n`;
}

function streamedReply(model: string, text: string): string {
	const id = `resp_${randomUUID().replaceAll('-', '')}`;
	const message = {id: `msg_${randomUUID().replaceAll('-', '')}`, type: 'message', status: 'completed', role: 'assistant', content: [{type: 'output_text', text, annotations: [], logprobs: []}]};
	const outputTokens = text.split(' ').length;
	const usage = {input_tokens: 8, input_tokens_details: {cached_tokens: 0}, output_tokens: outputTokens, output_tokens_details: {reasoning_tokens: 0}, total_tokens: 8 + outputTokens};
	const response = (status: string, output: unknown[], withUsage: boolean) => ({id, object: 'response', created_at: Math.floor(Date.now() / 1000), status, model, output, usage: withUsage ? usage : null});
	return [
		sse('response.created', 0, {response: response('in_progress', [], false)}),
		sse('response.output_text.delta', 1, {item_id: message.id, output_index: 0, content_index: 0, delta: text, logprobs: []}),
		sse('response.completed', 2, {response: response('completed', [message], true)}),
	].join('');
}

function chatReply(model: string, text: string): string {
	const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
	const chunk = (choices: unknown[], usage: unknown = null) => `data: ${JSON.stringify({id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices, usage})}\n\n`;
	const outputTokens = text.split(' ').length;
	return [
		chunk([{index: 0, delta: {role: 'assistant', content: ''}, finish_reason: null}]),
		chunk([{index: 0, delta: {content: text}, finish_reason: null}]),
		chunk([{index: 0, delta: {}, finish_reason: 'stop'}]),
		chunk([], {prompt_tokens: 8, completion_tokens: outputTokens, total_tokens: 8 + outputTokens}),
		'data: [DONE]\n\n',
	].join('');
}

export async function startScriptedServer(options: ScriptedServerOptions): Promise<ScriptedServer> {
	const now = options.now ?? Date.now;
	const requests: ScriptedRequest[] = [];
	const sockets = new Set<Socket>();
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', chunk => chunks.push(chunk));
		req.on('end', () => {
			let parsed: Record<string, unknown> | null = null;
			try {
				parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
			} catch {
				// not JSON: answered as scripted all the same
			}
			const body = (parsed ?? {}) as {input?: unknown; model?: string};
			const path = (req.url ?? '').split('?')[0]!;
			const n = requests.length;
			const answer = options.answer(n, body.input ?? null, {path, body: parsed});
			requests.push({n, input: body.input ?? null, path, body: parsed, at: now(), answer});
			const requestId = `req_${randomUUID().replaceAll('-', '')}`;
			if (answer.kind === 'reply' || answer.kind === 'sse') {
				res.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': requestId});
				const model = body.model ?? 'gpt-5.4-mini';
				const text = answer.kind === 'reply' ? (answer.text ?? 'a scripted reply') : '';
				res.end(answer.kind === 'sse' ? answer.body : path.endsWith('/chat/completions') ? chatReply(model, text) : streamedReply(model, text));
				return;
			}
			const error = {message: answer.message ?? `scripted ${answer.status}`, type: answer.type ?? 'server_error', param: answer.param ?? null, code: answer.code ?? null};
			res.writeHead(answer.status, {'content-type': 'application/json', 'x-request-id': requestId, ...answer.headers});
			res.end(JSON.stringify({error}));
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
		requests,
		close: () =>
			new Promise<void>(resolve => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
