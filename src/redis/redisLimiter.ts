/**
 * The `Limiter` seam on Redis: every pacer process with the same scope paces to one
 * budget of requests/min and tokens/min (limiterScripts.ts keeps it, atomically, on
 * Redis' clock). Limits learned from one process's headers, and the hold and slow-down of
 * a 429, are everyone's. Flags (`--rpm`, `--tpm`) cap the whole scope. Concurrency stays
 * each process's own (the engine's queue).
 *
 * Whether a 429 without headers is a blip or a limit is judged from this process's own
 * answers (LimitEvidence, as in-process); what follows from it is shared.
 */
import {SerialGate} from '../core/serialGate.js';
import {createHash} from 'node:crypto';
import type {Redis} from 'ioredis';
import {systemClock} from '../core/clock.js';
import {LimitEvidence} from '../core/limitEvidence.js';
import type {Limiter, LimiterSnapshot, Permit} from '../core/limiter.js';
import type {Clock, RateLimitHeaders} from '../core/types.js';
import {ACQUIRE, HEADERS, RATE_LIMITED, SETTLE, SNAPSHOT} from './limiterScripts.js';

export interface RedisLimiterOptions {
	/** Processes with the same scope share one budget. */
	readonly scope: string;
	/** Cap on the whole scope's requests per minute. @default undefined (learned from headers) */
	readonly rpm?: number;
	/** Cap on the whole scope's tokens per minute. @default undefined (learned from headers) */
	readonly tpm?: number;
	/** How much may go at once, as ms of the rate. @default 200 */
	readonly burstMs?: number;
	/** How often the shared figures (`snapshot`) are read back. @default 500 */
	readonly refreshMs?: number;
	/** For sleeps between tries and the local evidence. @default systemClock */
	readonly clock?: Clock;
}

/** A retry never waits longer than this for the shared budget: limits learned meanwhile may shorten it. */
const MAX_WAIT_MS = 250;

/**
 * The default scope: the endpoint's host and a hash of the key, so processes on one key
 * share, processes on two keys do not, and the key itself never reaches Redis.
 */
export function defaultLimitScope(baseURL: string | undefined, apiKey: string): string {
	const host = baseURL ? new URL(baseURL).host : 'api.openai.com';
	const keyHash = createHash('sha256').update(`pacer-limit-scope\n${apiKey}`).digest('hex').slice(0, 16);
	return `${host}/${keyHash}`;
}

const EMPTY: LimiterSnapshot = {rpmNow: 0, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null, pacedRpm: null};
const SOURCES = [null, 'flags', 'headers', 'flags+headers'] as const;

export class RedisLimiter implements Limiter {
	readonly #redis: Redis;
	readonly #keys: readonly string[];
	readonly #base: readonly string[];
	readonly #clock: Clock;
	readonly #evidence = new LimitEvidence();
	readonly #refresh: ReturnType<typeof setInterval>;
	#snapshot: LimiterSnapshot = EMPTY;
	readonly #gate = new SerialGate();
	#tokensPerRequest = 0;
	/** The last header limits written, so an unchanged header costs no command. */
	#sentLimits = '';

	constructor(redis: Redis, options: RedisLimiterOptions) {
		this.#redis = redis;
		this.#clock = options.clock ?? systemClock;
		const prefix = `pacer:limit:{${options.scope}}`;
		this.#keys = [`${prefix}:state`, `${prefix}:req`, `${prefix}:tok`, `${prefix}:use`];
		this.#base = [String(positive(options.rpm)), String(positive(options.tpm)), String(options.burstMs ?? 200)];
		// A Redis that restarted forgot the learned limits: the next header writes them again.
		redis.on('ready', () => (this.#sentLimits = ''));
		this.#refresh = setInterval(() => void this.#readSnapshot(), options.refreshMs ?? 500);
		this.#refresh.unref();
		void this.#readSnapshot();
	}

	#eval(script: string, extra: ReadonlyArray<string | number>): Promise<unknown> {
		return this.#redis.eval(script, this.#keys.length, ...this.#keys, ...this.#base, ...extra.map(String));
	}

	acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
		// One waiter of this process asks Redis at a time, first come first served: the others
		// would only poll for the same slot.
		return this.#gate.run(() => this.#waitTurn(tokens, signal));
	}

	async #waitTurn(tokens: number, signal?: AbortSignal): Promise<Permit> {
		for (;;) {
			signal?.throwIfAborted();
			const answer = (await abortable(this.#eval(ACQUIRE, [tokens]), signal)) as [number, number?];
			if (answer[0] === 1) break;
			await this.#clock.sleep(Math.max(1, Math.min(answer[1] ?? MAX_WAIT_MS, MAX_WAIT_MS)), signal);
		}
		if (this.#tokensPerRequest === 0) this.#tokensPerRequest = tokens;
		let settled = false;
		return {
			settle: actual => {
				if (settled) return;
				settled = true;
				// Above 0 it was answered: a success the 429s around it are read against.
				if (actual > 0) {
					this.#tokensPerRequest = this.#tokensPerRequest * 0.95 + actual * 0.05;
					this.#evidence.observeSuccess(this.#clock.now());
				}
				if (actual !== tokens) this.#eval(SETTLE, [actual - tokens]).catch(() => {});
			},
		};
	}

	observeHeaders(headers: RateLimitHeaders): void {
		const limits = `${headers.limitRequests ?? -1}/${headers.limitTokens ?? -1}`;
		const hasRemaining = headers.remainingRequests != null || headers.remainingTokens != null;
		if (limits === this.#sentLimits && !hasRemaining) return;
		this.#sentLimits = limits;
		const used = (limit?: number, remaining?: number) => (limit != null && remaining != null ? limit - remaining : -1);
		this.#eval(HEADERS, [
			headers.limitRequests ?? -1,
			headers.limitTokens ?? -1,
			used(headers.limitRequests, headers.remainingRequests),
			used(headers.limitTokens, headers.remainingTokens),
		]).catch(() => {});
	}

	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void {
		const now = this.#clock.now();
		const verdict = this.#evidence.observe429(now);
		if (rateLimits != null && Object.keys(rateLimits).length > 0) {
			this.observeHeaders(rateLimits);
			const budgetLeft = (rateLimits.remainingRequests ?? 0) > 0 && (rateLimits.remainingTokens ?? 1) > 0;
			void this.#rateLimited(retryAfterMs, !budgetLeft, budgetLeft ? 0.95 : 0.75, false);
			return;
		}
		// A lone 429 among successes is a blip: its job waits its own retry-after, no one else does.
		if (verdict === 'blip' || verdict === 'edge') return;
		void this.#rateLimited(retryAfterMs, verdict === 'limit', 0.75, true).then(slowed => {
			if (slowed && (verdict === 'limit' || verdict === 'after-cut')) this.#evidence.cut(verdict);
		});
	}

	async #rateLimited(retryAfterMs: number | null, hold: boolean, cut: number, learn: boolean): Promise<boolean> {
		const letThrough = 1 - this.#evidence.refusedShare(this.#clock.now());
		try {
			const slowed = await this.#eval(RATE_LIMITED, [retryAfterMs ?? -1, hold ? 1 : 0, cut, learn ? 1 : 0, letThrough]);
			return slowed === 1;
		} catch {
			return false;
		}
	}

	snapshot(): LimiterSnapshot {
		return this.#snapshot;
	}

	/** Stop reading the shared figures; the connection is the caller's to close. */
	close(): void {
		clearInterval(this.#refresh);
	}

	async #readSnapshot(): Promise<void> {
		if (this.#redis.status !== 'ready') return;
		try {
			const [rpm, tpm, source, , requests, tokens] = ((await this.#eval(SNAPSHOT, [])) as string[]).map(Number) as number[];
			const perRequest = this.#tokensPerRequest || null;
			const byTokens = tpm && perRequest ? tpm / perRequest : undefined;
			const paced = [rpm || undefined, byTokens].filter((v): v is number => v != null);
			this.#snapshot = {
				rpmNow: Math.round(requests!),
				tpmNow: Math.max(0, Math.round(tokens!)),
				rpmLimit: rpm ? Math.round(rpm) : null,
				tpmLimit: tpm ? Math.round(tpm) : null,
				limitSource: SOURCES[source!] ?? null,
				pacedRpm: paced.length > 0 ? Math.min(...paced) : null,
			};
		} catch {
			// Redis is away: the last figures stand until it is back.
		}
	}
}

function positive(value: number | undefined): number {
	return value != null && Number.isFinite(value) && value > 0 ? value : 0;
}

/** A Redis command cannot be cancelled; the waiter can stop waiting for it. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
	if (!signal) return promise;
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		if (signal.aborted) return onAbort();
		signal.addEventListener('abort', onAbort, {once: true});
		promise.then(
			value => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			error => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}
