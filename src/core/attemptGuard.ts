/**
 * What every attempt of every API is wrapped in: the caller's AbortSignal chained to the
 * request's own, a whole-attempt timeout, an idle-stream watch (shorter once the reply flows,
 * from what the client's `StreamGaps` learned), and the real reason handed back when any of
 * them aborts (the SDK reports them all as a bare abort).
 */
import OpenAI from 'openai';
import type {AttemptOptions, OpenAIClientOptions} from './client.js';
import {DEFAULTS} from './defaults.js';
import {AttemptTimeoutError} from './errors.js';
import {IdleWatch} from './idleWatch.js';
import type {StreamGaps} from './streamGaps.js';

/** The official SDK, with its own retries off: pacer owns every retry. */
export function sdkClient(options: OpenAIClientOptions): OpenAI {
	return new OpenAI({
		apiKey: options.apiKey,
		baseURL: options.baseURL,
		organization: options.organization ?? null,
		project: options.project ?? null,
		maxRetries: 0,
	});
}

export class AttemptGuard {
	readonly timeoutMs: number;
	readonly #controller = new AbortController();
	readonly #parent: AbortSignal | undefined;
	readonly #onParentAbort = () => this.#controller.abort(this.#parent!.reason);
	readonly #wholeTimer: NodeJS.Timeout;
	readonly #idle: IdleWatch;
	readonly #idleTimeoutMs: number;
	readonly #gaps: StreamGaps | undefined;
	#replying = false;
	/** The server's request id, once the headers have come. */
	requestId: string | null = null;

	/** Throws the caller's reason at once when its signal has already aborted. */
	constructor(options: AttemptOptions, gaps?: StreamGaps) {
		this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
		const idleTimeoutMs = (this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs);
		this.#gaps = gaps;
		this.#parent = options.signal;
		if (this.#parent?.aborted) throw this.#parent.reason;
		this.#parent?.addEventListener('abort', this.#onParentAbort, {once: true});
		this.#wholeTimer = setTimeout(() => this.#controller.abort(new AttemptTimeoutError('attempt', this.timeoutMs)), this.timeoutMs);
		this.#idle = new IdleWatch(idleTimeoutMs, flowing => {
			const stalled = flowing && this.#idle.idleMs < idleTimeoutMs;
			this.#controller.abort(new AttemptTimeoutError(stalled ? 'stalled' : 'idle', this.#idle.idleMs));
		});
	}

	/** What the SDK call listens to. */
	get signal(): AbortSignal {
		return this.#controller.signal;
	}

	/** Something arrived: the stream is not idle. */
	touch(): void {
		this.#idle.touch();
	}

	/** A piece of the reply arrived (after its `touch`): the first one starts the flowing watch. */
	replying(): void {
		if (this.#replying) return;
		this.#replying = true;
		this.#idle.flow(this.#gaps?.flowingIdleMs(this.#idleTimeoutMs) ?? this.#idleTimeoutMs);
	}

	/** The stream completed: what it showed of a healthy reply's pauses is learned. */
	completed(): void {
		if (this.#replying) this.#gaps?.record(this.#idle.longestFlowingMs);
	}

	/** After the stream ended: an abort that raced its end still wins. */
	throwIfAborted(): void {
		if (this.#controller.signal.aborted) throw this.#controller.signal.reason;
	}

	/** What the attempt rejects with: our own timeout or cancel rather than the SDK's abort, with the request id. */
	reason(error: unknown): unknown {
		if (this.#controller.signal.aborted) return this.#controller.signal.reason;
		if (this.requestId && error instanceof Error && !(error as {requestID?: string}).requestID) {
			(error as {requestID?: string}).requestID = this.requestId;
		}
		return error;
	}

	/** Call once, in a finally. */
	dispose(): void {
		clearTimeout(this.#wholeTimer);
		this.#idle.stop();
		this.#parent?.removeEventListener('abort', this.#onParentAbort);
	}
}
