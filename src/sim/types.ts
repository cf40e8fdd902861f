/** The simulator's public shapes. */

export type SimProfileName = 'calm' | 'flaky' | 'storm' | 'chaos';

/** The APIs a simulator can serve: `POST /v1/responses` and `POST /v1/chat/completions`. */
export type SimApi = 'responses' | 'chat';

/** Per-attempt fault probabilities, each 0..1. `badRequest` is per prompt, not per attempt. */
export interface FaultRates {
	/** 429 `rate_limit_exceeded` (seeded, on top of the enforced limits), with retry-after. */
	readonly rateLimit: number;
	/** 429 type `rate_limit_error`, code `slow_down`. */
	readonly slowDown: number;
	/** 429 `insufficient_quota`, no retry-after. Ends a real run, so off in every profile. */
	readonly quota: number;
	/** 500 `server_error` JSON. */
	readonly server500: number;
	/** 502 with an HTML body, as a CDN sends it. */
	readonly badGateway502: number;
	/** 503 `server_is_overloaded`. */
	readonly overloaded503: number;
	/** 504 with an HTML body. */
	readonly gatewayTimeout504: number;
	/** The socket is destroyed before any response header. */
	readonly reset: number;
	/** The stream (or, without streaming, the wait for headers) goes quiet forever. */
	readonly stall: number;
	/** The stream's socket is closed mid-response, without a terminal event. */
	readonly cut: number;
	/** Mid-stream nested `error` frame, then `response.failed` (500 when not streaming). */
	readonly streamError: number;
	/** PERMANENT for a prompt: 400 `invalid_prompt` on every attempt. */
	readonly badRequest: number;
}

export type FaultName = keyof FaultRates;

/** Seeded latency ranges, in ms, before `latencyScale`. */
export interface LatencyProfile {
	/** Time to the first byte (headers and the first stream events). */
	readonly ttfbMs: readonly [min: number, max: number];
	/** Time per generated token (reasoning and visible). */
	readonly perTokenMs: readonly [min: number, max: number];
}

export interface SimProfile {
	readonly description: string;
	readonly rpm: number;
	readonly tpm: number;
	readonly faults: FaultRates;
	readonly latency: LatencyProfile;
	/** Seeded visible output length in tokens, skewed towards the short end. */
	readonly outputTokens: readonly [min: number, max: number];
	/** The wait, in ms, that a seeded `rateLimit` / `slowDown` 429 asks for (before latencyScale). */
	readonly faultRetryAfterMs: readonly [min: number, max: number];
}

export interface SimulatorOptions {
	/**
	 * Named set of limits, fault rates and latencies.
	 * @default 'calm'
	 */
	readonly profile?: SimProfileName;
	/**
	 * Seed for every seeded outcome (faults, latency, output).
	 * @default 1
	 */
	readonly seed?: number;
	/**
	 * TCP port; 0 picks a free one. The host is always 127.0.0.1.
	 * @default 0
	 */
	readonly port?: number;
	/**
	 * Enforced requests per minute (overrides the profile's). `Infinity` turns the limit off.
	 * @default the profile's (calm: 500)
	 */
	readonly rpm?: number;
	/**
	 * Enforced tokens per minute (overrides the profile's). `Infinity` turns the limit off.
	 * @default the profile's (calm: 500000, storm: 30000)
	 */
	readonly tpm?: number;
	/**
	 * How much of a minute's budget may be spent at once, in ms of refill. The limits refill
	 * continuously; this is the burst on top of the steady rate.
	 * @default 1000
	 */
	readonly burstMs?: number;
	/**
	 * Whether a request refused by the limiter still uses up request budget, as OpenAI
	 * documents. Off by default: then a 429's retry-after is exactly the wait, and a client
	 * a little over the limit still gets the full limit through. On, any steady overshoot
	 * starves the client (the debt is capped at one burst, so it recovers once it backs off).
	 * @default false
	 */
	readonly countRejected?: boolean;
	/**
	 * Send `x-ratelimit-*` headers. `false` behaves like the early Responses API: 429s with
	 * no `x-ratelimit-*` (still `retry-after` unless `retryAfter` is false).
	 * @default true
	 */
	readonly rateLimitHeaders?: boolean;
	/**
	 * Send `retry-after` and `retry-after-ms` on retryable 429s.
	 * @default true
	 */
	readonly retryAfter?: boolean;
	/**
	 * Send `x-should-retry: true|false` on faults where a real server might.
	 * @default false
	 */
	readonly shouldRetryHeader?: boolean;
	/**
	 * Multiplies every seeded duration: latencies and the wait a seeded 429 fault asks for
	 * (never below 1 ms). 0 answers as fast as possible (tests, benches). The waits of the
	 * enforced RPM/TPM limits are real time and never scaled.
	 * @default 1
	 */
	readonly latencyScale?: number;
	/**
	 * Overrides the profile's per-attempt fault probabilities (0..1).
	 * @default the profile's
	 */
	readonly faults?: Partial<FaultRates>;
	/**
	 * Which APIs are served. The others answer 404 as an unknown path does on the real API
	 * (`Invalid URL (POST /v1/responses)`), so `['chat']` plays a chat-only server such as
	 * most OpenAI-compatible ones, on which a client's `--api auto` can be tried. Both share
	 * one RPM/TPM budget and one key space.
	 * @default ['responses', 'chat']
	 */
	readonly apis?: readonly SimApi[];
	/**
	 * When set, any other bearer token gets 401 `invalid_api_key`.
	 * @default undefined (any bearer token is accepted; a missing one still gets 401)
	 */
	readonly apiKey?: string;
	/**
	 * Input tokens above this get 400 `context_length_exceeded`.
	 * @default 400000
	 */
	readonly contextWindow?: number;
	/**
	 * One line per request (never the Authorization header).
	 * @default undefined (silent)
	 */
	readonly log?: (line: string) => void;
	/**
	 * Batch API: seconds (real time) of processing per request, and per step of
	 * validating and finalizing. A batch of N lines takes about (N + 2) times this.
	 * @default 0.005
	 */
	readonly batchTimeScale?: number;
	/**
	 * Batch API: a batch's completion window closes after this many requests have run; the
	 * batch ends `expired` and the rest are `batch_expired` lines in its error file.
	 * @default undefined (no batch expires)
	 */
	readonly batchExpireAfter?: number;
}

/** Requests that arrived in one wall-clock second. */
export interface SimSecond {
	/** Epoch second. */
	readonly second: number;
	readonly requests: number;
	/** Passed the rate limiter. */
	readonly admitted: number;
	/** Refused by the enforced limits. */
	readonly rateLimited: number;
}

export interface SimStats {
	/** Every HTTP request received. */
	requests: number;
	/** Responses sent, by HTTP status ("200", "429", ...). Resets and stalls send none. */
	byStatus: Record<string, number>;
	/** 429s from the enforced RPM/TPM limits (not seeded faults, not "Request too large"). */
	rateLimited: number;
	rateLimitedRequests: number;
	rateLimitedTokens: number;
	/** 429 "Request too large" (one request over the whole TPM limit). */
	tooLarge: number;
	/** Seeded faults injected, by name. */
	faults: Record<FaultName, number>;
	/** Billed usage reported in terminal responses. */
	tokensIn: number;
	tokensOut: number;
	/** Responses that finished `completed` / `incomplete`. */
	completed: number;
	incomplete: number;
	/** Requests being handled right now, and the most at once. */
	inFlight: number;
	maxInFlight: number;
	/** Epoch ms of the start, or of the last resetStats(). */
	since: number;
	/** The last 600 seconds that saw requests, oldest first. */
	perSecond: SimSecond[];
}

export interface Simulator {
	/** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
	readonly url: string;
	readonly port: number;
	stats(): SimStats;
	resetStats(): void;
	/** Stops listening, destroys every open socket (stalled streams too) and resolves. */
	close(): Promise<void>;
}
