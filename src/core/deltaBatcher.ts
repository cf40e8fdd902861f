/**
 * Streamed text reaches the run's sink in batches, not one update per SSE delta: every
 * job's pending text is flushed together at most every `flushMs`, and its tokens are
 * counted once per flush (tokenizing each delta was a hot path).
 */
import type {Clock, Timer} from './types.js';

export interface DeltaBatcherOptions<J> {
	readonly clock: Clock;
	/** @default 50 */
	readonly flushMs?: number;
	/** Tokens in a piece of text. */
	readonly countTokens: (text: string) => number;
	/** A job's text since its last flush, with its tokens. */
	readonly onFlush: (job: J, text: string, tokens: number) => void;
	/** After each flush of one job or of all: one place to tell what the pieces added up to. */
	readonly onFlushed?: () => void;
}

export class DeltaBatcher<J> {
	readonly #options: DeltaBatcherOptions<J>;
	readonly #pending = new Map<J, string>();
	#timer: Timer | null = null;

	constructor(options: DeltaBatcherOptions<J>) {
		this.#options = options;
	}

	add(job: J, text: string): void {
		this.#pending.set(job, (this.#pending.get(job) ?? '') + text);
		this.#timer ??= this.#options.clock.timeout(this.#options.flushMs ?? 50, () => {
			this.#timer = null;
			this.flushAll();
		});
	}

	/** One job's pending text now (its attempt ended). */
	flush(job: J): void {
		if (this.#flushOne(job)) this.#options.onFlushed?.();
		if (this.#pending.size === 0) this.#cancelTimer();
	}

	flushAll(): void {
		let any = false;
		for (const job of [...this.#pending.keys()]) any = this.#flushOne(job) || any;
		this.#cancelTimer();
		if (any) this.#options.onFlushed?.();
	}

	#flushOne(job: J): boolean {
		const text = this.#pending.get(job);
		if (text === undefined) return false;
		this.#pending.delete(job);
		if (text) this.#options.onFlush(job, text, this.#options.countTokens(text));
		return Boolean(text);
	}

	#cancelTimer(): void {
		this.#timer?.cancel();
		this.#timer = null;
	}
}
