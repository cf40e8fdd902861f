/**
 * Any thrown thing -> a classified, serialisable ErrorInfo (DESIGN.md's error table).
 * Reads the SDK's error classes by shape (status, error body, headers) so that errors
 * from other layers (our own timeouts, a stream's `response.failed`) classify alike.
 */
import type {ErrorInfo, ErrorKind} from './types.js';
import {formatDuration} from './format.js';
import {parseDuration, parseRateLimitHeaders, retryAfterFromHeaders} from './headers.js';
import {redactSecrets} from './secrets.js';

/**
 * Thrown by pacer itself when an attempt exceeds `--timeout`, a stream goes quiet past
 * `--idle-timeout`, or a reply stops mid-way far longer than this server's replies pause
 * (`stalled`: streamGaps.ts).
 */
export class AttemptTimeoutError extends Error {
	override readonly name = 'AttemptTimeoutError';
	constructor(
		readonly reason: 'attempt' | 'idle' | 'stalled',
		readonly afterMs: number,
	) {
		super(
			reason === 'idle'
				? `the stream sent nothing for ${formatDuration(afterMs)} (idle timeout)`
				: reason === 'stalled'
					? `the reply stopped mid-way: nothing for ${formatDuration(afterMs)}, far longer than this server's replies pause (stalled stream)`
					: `no complete response within ${formatDuration(afterMs)} (attempt timeout)`,
		);
	}
}

/** Thrown when the user (or a shutdown) cancels a job. */
export class CancelledError extends Error {
	override readonly name = 'CancelledError';
	constructor(message = 'cancelled') {
		super(message);
	}
}

/** A stream ended with `response.failed`, a flat `error` event, or no terminal event at all. */
export class StreamFailedError extends Error {
	override readonly name = 'StreamFailedError';
	constructor(
		message: string,
		readonly code: string | null,
		readonly requestId: string | null,
		/** True when the connection closed before a terminal event. */
		readonly cut = false,
	) {
		super(message);
	}
}

const QUOTA_CODES = new Set([
	'insufficient_quota',
	'credit_balance_exhausted',
	'organization_spend_limit_exceeded',
	'project_spend_limit_exceeded',
	'organization_usage_limit_exceeded',
	'billing_hard_limit_reached',
]);

const RETRYABLE: Record<ErrorKind, boolean> = {
	rate_limit: true,
	quota: false,
	too_large: false,
	auth: false,
	permission: false,
	not_found: false,
	bad_request: false,
	context_length: false,
	conflict: true,
	timeout: true,
	server: true,
	connection: true,
	cancelled: false,
	budget: false,
	unexpected: false,
};

/** Kinds after which every other prompt would fail too: the run stops. */
export function stopsRun(info: Pick<ErrorInfo, 'kind' | 'code'>): boolean {
	return info.kind === 'quota' || info.kind === 'auth' || (info.kind === 'not_found' && info.code === 'model_not_found');
}

interface ErrorBody {
	message?: unknown;
	type?: unknown;
	code?: unknown;
	param?: unknown;
}

type HeaderSource = {get(name: string): string | null} | Record<string, string | string[] | undefined> | undefined;

function headerGetter(headers: HeaderSource): (name: string) => string | null {
	if (!headers) return () => null;
	if (typeof (headers as {get?: unknown}).get === 'function') {
		return name => (headers as {get(name: string): string | null}).get(name);
	}
	const record = headers as Record<string, string | string[] | undefined>;
	return name => {
		const value = record[name] ?? record[name.toLowerCase()];
		return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
	};
}

function str(value: unknown): string | null {
	return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The kind for an API error from its status and body code/type. */
export function kindFromApi(status: number | null, code: string | null, type: string | null, message: string): ErrorKind {
	const lower = message.toLowerCase();
	if (code && QUOTA_CODES.has(code)) return 'quota';
	if (type && QUOTA_CODES.has(type)) return 'quota';
	if (/(_spend_limit_exceeded|_usage_limit_exceeded)$/.test(code ?? '')) return 'quota';
	if (code === 'context_length_exceeded') return 'context_length';
	if (status === 429 || code === 'rate_limit_exceeded' || code === 'slow_down') {
		if (lower.includes('request too large')) return 'too_large';
		return 'rate_limit';
	}
	if (code === 'server_error' || code === 'server_is_overloaded' || code === 'service_unavailable') return 'server';
	if (status === null) {
		if (code === 'invalid_prompt' || code?.startsWith('invalid_') || code?.startsWith('image_')) return 'bad_request';
		return code ? 'server' : 'connection';
	}
	if (status === 400 || status === 422) return 'bad_request';
	if (status === 401) return 'auth';
	if (status === 403) return 'permission';
	if (status === 404) return 'not_found';
	if (status === 408) return 'timeout';
	if (status === 409) return 'conflict';
	if (status === 413) return 'too_large';
	if (status >= 500) return 'server';
	return 'bad_request';
}

/** "Please try again in 644ms." -> 644 */
export function tryAgainInMs(message: string): number | null {
	const match = /try again in ((?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+)/i.exec(message);
	return match ? parseDuration(match[1]!) : null;
}

function describeCause(error: unknown): string | null {
	let cause: unknown = error;
	for (let depth = 0; depth < 5 && cause; depth++) {
		const c = cause as {code?: unknown; message?: unknown; cause?: unknown};
		if (typeof c.code === 'string' && /^E[A-Z]+/.test(c.code)) return c.code;
		cause = c.cause;
	}
	return null;
}

function build(kind: ErrorKind, fields: Partial<ErrorInfo> & {message: string}, shouldRetry: string | null): ErrorInfo {
	let retryable = RETRYABLE[kind];
	// The server's word overrides the table, except where retrying cannot help by construction.
	if (shouldRetry === 'true' && kind !== 'cancelled' && kind !== 'budget' && kind !== 'quota') retryable = true;
	if (shouldRetry === 'false') retryable = false;
	return {
		kind,
		status: fields.status ?? null,
		code: fields.code ?? null,
		message: redactSecrets(fields.message),
		retryable,
		retryAfterMs: fields.retryAfterMs ?? null,
		requestId: fields.requestId ?? null,
		...(fields.rateLimits ? {rateLimits: fields.rateLimits} : {}),
		...(fields.stack ? {stack: fields.stack} : {}),
	};
}

/** An error pacer itself decides on (a budget, a stop, a cancel, a check before sending): never retried. */
export function pacerError(kind: ErrorKind, message: string, code: string | null = null): ErrorInfo {
	return {kind, status: null, code, message: redactSecrets(message), retryable: false, retryAfterMs: null};
}

/**
 * Classify anything thrown by an attempt. Never throws.
 */
export function classifyError(error: unknown): ErrorInfo {
	try {
		return classify(error);
	} catch (bug) {
		return build('unexpected', {message: `could not classify an error: ${String(bug)}`}, null);
	}
}

function classify(error: unknown): ErrorInfo {
	if (error instanceof CancelledError) return build('cancelled', {message: error.message}, null);
	if (error instanceof AttemptTimeoutError) return build('timeout', {message: error.message}, null);
	if (error instanceof StreamFailedError) {
		if (error.cut) return build('connection', {message: error.message, requestId: error.requestId}, null);
		const kind = kindFromApi(null, error.code, null, error.message);
		return build(kind === 'connection' ? 'server' : kind, {
			message: error.message,
			code: error.code,
			requestId: error.requestId,
			retryAfterMs: tryAgainInMs(error.message),
		}, null);
	}
	if (typeof error !== 'object' || error === null) {
		return build('unexpected', {message: `non-error thrown: ${String(error)}`}, null);
	}
	const e = error as {
		name?: unknown;
		message?: unknown;
		status?: unknown;
		headers?: HeaderSource;
		error?: ErrorBody;
		code?: unknown;
		type?: unknown;
		requestID?: unknown;
		stack?: unknown;
		constructor?: {name?: string};
	};
	const name = String(e.constructor?.name ?? e.name ?? '');
	const rawMessage = typeof e.message === 'string' ? e.message : String(error);

	if (name === 'APIUserAbortError' || e.name === 'AbortError') {
		return build('cancelled', {message: 'the request was aborted'}, null);
	}
	if (name === 'APIConnectionTimeoutError') {
		return build('timeout', {message: 'no response headers before the timeout'}, null);
	}
	if (name === 'APIConnectionError') {
		const cause = describeCause(error);
		return build('connection', {message: cause ? `connection error (${cause})` : 'connection error'}, null);
	}

	const isApiError = name.endsWith('Error') && ('status' in e || 'error' in e || 'headers' in e) && name !== 'Error' && name !== 'TypeError';
	if (isApiError || name === 'APIError') {
		const status = typeof e.status === 'number' ? e.status : null;
		const get = headerGetter(e.headers);
		const body: ErrorBody = e.error && typeof e.error === 'object' ? e.error : {};
		const code = str(body.code) ?? str(e.code);
		const type = str(body.type) ?? str(e.type);
		const message = str(body.message) ?? rawMessage.replace(/^\d{3}\s+/, '');
		const kind = kindFromApi(status, code, type, message);
		const retryAfterMs = retryAfterFromHeaders(get) ?? (kind === 'rate_limit' ? tryAgainInMs(message) : null);
		const requestId = str(e.requestID) ?? get('x-request-id');
		const rateLimits = parseRateLimitHeaders(get);
		return build(
			kind,
			{
				status,
				code: code ?? (kind === 'quota' ? type : null),
				message: oneLine(message),
				retryAfterMs,
				requestId,
				...(Object.keys(rateLimits).length > 0 ? {rateLimits} : {}),
			},
			get('x-should-retry'),
		);
	}

	// Network failures that reach us outside the SDK (e.g. a body read after headers).
	const sysCode = describeCause(error);
	if (sysCode && /^(ECONNRESET|ECONNREFUSED|EPIPE|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|UND_ERR_SOCKET|ECONNABORTED)/.test(sysCode)) {
		return build('connection', {message: `connection error (${sysCode})`}, null);
	}
	if (name === 'TypeError' && /terminated|fetch failed|network|socket/i.test(rawMessage)) {
		return build('connection', {message: `connection error (${oneLine(rawMessage)})`}, null);
	}
	return build('unexpected', {message: oneLine(rawMessage), stack: typeof e.stack === 'string' ? e.stack : undefined}, null);
}

function oneLine(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	// HTML bodies from gateways are noise; keep the title if there is one.
	const title = /<title>([^<]*)<\/title>/i.exec(flat);
	if (title) return title[1]!.trim();
	return flat.length > 500 ? `${flat.slice(0, 497)}...` : flat;
}

/** The form written to the results file. */
export function errorForRecord(info: ErrorInfo): {kind: ErrorKind; status: number | null; code: string | null; message: string} {
	return {kind: info.kind, status: info.status, code: info.code, message: info.message};
}
