/**
 * Every default of a run, in one place. The engine, the library (`runBatch`, `generate`),
 * the CLI's options and `--help` all read them from here, so they cannot drift apart.
 */
export const DEFAULTS = {
	/** Model for prompts that name none. @default 'gpt-5.4-mini' */
	model: 'gpt-5.4-mini',
	/** Which API requests go to: `auto` tries Responses and switches to chat on a server without it. @default 'auto' */
	api: 'auto',
	/** Cap on each reply (`max_output_tokens`). @default 256 */
	maxOutputTokens: 256,
	/** Retries after the first attempt. @default 4 */
	maxRetries: 4,
	/** First retry delay before jitter, ms. @default 1000 */
	backoffBaseMs: 1000,
	/** Largest computed retry delay, ms (the server may ask for longer). @default 32000 */
	backoffMaxMs: 32_000,
	/** Whole attempt: connect, headers and the full body, ms. @default 60000 */
	timeoutMs: 60_000,
	/** Longest silence allowed on an open stream, ms. @default 20000 */
	idleTimeoutMs: 20_000,
	/** Most time one prompt may wait across its retries, ms. @default 600000 */
	maxRetryWaitMs: 600_000,
	/** Where `concurrency: 'auto'` starts: a few requests no server minds. @default 4 */
	autoConcurrencyStart: 4,
	/** The most requests in flight `concurrency: 'auto'` may reach. @default 64 */
	maxConcurrency: 64,
	/** Connection failures in a row (no success between) after which the run stops. @default 25 */
	maxConsecutiveConnectionFailures: 25,
	/** How long a shared-queue prompt stays with a worker that stopped answering before it goes back, ms. @default 30000 */
	leaseMs: 30_000,
	/** Prompts one `pacer worker` runs at once. @default 8 */
	workerConcurrency: 8,
	/** How often a results file that takes nothing (a full disk) is tried again, ms. @default 1000 */
	retryWriteMs: 1000,
} as const;
