/**
 * The `ModelClient` seam: one attempt against one API. The engine builds a `ModelRequest`
 * (in neither API's words) and each client turns it into its API's body: the Responses
 * client into `input` + `instructions`, a Chat Completions client into `messages` with the
 * instructions as a first system message. Retries are never the client's: pacer owns them.
 */
import type {ApiName, RateLimitHeaders, Usage} from './types.js';

export type {ApiName} from './types.js';

/** What one attempt asks for. */
export interface ModelRequest {
	readonly model: string;
	/** The prompt: plain text, or input items (role/content messages) as a Responses `input` takes them. */
	readonly input: string | readonly unknown[];
	/** System-level instructions, kept apart from the prompt (never pasted into it). */
	readonly instructions?: string;
	/** Cap on the reply (`max_output_tokens`, or `max_completion_tokens` in chat). */
	readonly maxOutputTokens?: number;
	readonly metadata?: Readonly<Record<string, string>>;
	/** Other body fields, passed through as they are. */
	readonly extraBody?: Readonly<Record<string, unknown>>;
	/** The API this request must go to (a Batch API line's `url`). @default the run's API */
	readonly api?: ApiName;
}

export interface AttemptOptions {
	/** Aborts the attempt; its `reason` is what the attempt rejects with. */
	readonly signal?: AbortSignal;
	/** Whole attempt: connect, headers and the full body. @default 60000 */
	readonly timeoutMs?: number;
	/** Longest silence allowed on an open stream. @default 20000 */
	readonly idleTimeoutMs?: number;
	/** Each piece of text as it streams. */
	readonly onDelta?: (text: string) => void;
	/** The rate-limit headers of the response, as soon as they arrive. */
	readonly onHeaders?: (headers: RateLimitHeaders, requestId: string | null) => void;
	/** The API a request is about to go to; called again when the attempt is re-sent on another API. */
	readonly onApi?: (api: ApiName) => void;
}

export interface AttemptResult {
	readonly text: string;
	readonly usage: Usage | null;
	/** The reply stopped at max_output_tokens. */
	readonly truncated: boolean;
	readonly status: 'completed' | 'incomplete';
	readonly incompleteReason: string | null;
	readonly requestId: string | null;
	/** The model as the server named it (often a dated snapshot). */
	readonly model: string | null;
	readonly rateLimits: RateLimitHeaders;
	/** The API that answered. */
	readonly api: ApiName;
}

/** The seam: the engine calls this; tests pass a client pointed at the simulator. */
export interface ModelClient {
	attempt(request: ModelRequest, options?: AttemptOptions): Promise<AttemptResult>;
	/** The API this request would go to now: what a record that got no answer names. @default 'responses' */
	apiFor?(request: ModelRequest): ApiName;
	/** What the client decided about the run's API (an `auto` switch), in plain words; null while nothing. */
	readonly apiNote?: string | null;
}

export interface OpenAIClientOptions {
	readonly apiKey: string;
	/** Including `/v1`. @default the SDK's (OPENAI_BASE_URL or api.openai.com) */
	readonly baseURL?: string;
	readonly organization?: string;
	readonly project?: string;
}

/** Where and as whom an SDK client connects. */
export interface OpenAIClientOptions {
	readonly apiKey: string;
	/** Including `/v1`. @default the SDK's (OPENAI_BASE_URL or api.openai.com) */
	readonly baseURL?: string;
	readonly organization?: string;
	readonly project?: string;
}

