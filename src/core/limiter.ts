/**
 * Pacing: smooth requests/min and tokens/min, fixed by flags or learned from the
 * server's `x-ratelimit-*` headers, slowed by 429s for the whole run.
 * Concurrency is the queue's business (engine.ts); this decides *when* a request may go,
 * and tells the engine (`pacedRpm`) how many requests a minute that comes to.
 *
 * Three sources of limits, tightest wins:
 * - flags (`--rpm`, `--tpm`): kept as caps; headers can only lower them;
 * - headers: `limit` sets the rate; `remaining` keeps the local bucket from ever holding
 *   more than the server says is left (another client on the same key, or a server that
 *   counts tokens differently); `remaining` with `reset` gives the rate the budget really
 *   refills at, which is lower than `limit`/min when the window is longer (RPD, TPD);
 * - 429s alone (no flags, no headers): only 429s that repeat show a limit, read among the
 *   latest answers (limitEvidence.ts); a lone one among successes is a blip that slows
 *   nothing. Repeated ones set the rate under what the server let through; later 429s
 *   trim it, and it grows back slowly, so a run settles just under the limit.
 */
import {systemClock} from './clock.js';
import {LimitEvidence, type RateLimitVerdict} from './limitEvidence.js';
import type {Clock, RateLimitHeaders} from './types.js';

export interface LimiterOptions {
	/** Client-side cap on requests per minute. @default undefined (learned from headers) */
	readonly rpm?: number;
	/** Client-side cap on tokens per minute. @default undefined (learned from headers) */
	readonly tpm?: number;
	/**
	 * How much may go at once, as ms of the rate (a 600 RPM limiter with 200 ms lets
	 * 2 requests go back to back). Kept small so pacing stays smooth.
	 * @default 200
	 */
	readonly burstMs?: number;
	/** @default systemClock */
	readonly clock?: Clock;
}

/** A dispatched request's charge; `settle` corrects the estimate with the real usage. */
export interface Permit {
	settle(actualTokens: number): void;
}

export interface LimiterSnapshot {
	readonly rpmNow: number;
	readonly tpmNow: number;
	/** The requests/min pacing aims at now (after 429 slow-downs), null when unbounded. */
	readonly rpmLimit: number | null;
	readonly tpmLimit: number | null;
	readonly limitSource: 'flags' | 'headers' | 'flags+headers' | null;
	/** Until when every dispatch is held after a 429 (epoch ms), or null. */
	readonly heldUntil: number | null;
	/**
	 * Requests a minute the limits let through now: the tighter of the RPM pacing and the
	 * TPM pacing over the average request's tokens. Null when nothing bounds the rate yet.
	 * The engine sizes concurrency from it so that concurrency never binds before the rate.
	 */
	readonly pacedRpm?: number | null;
}

/** The seam the engine paces through; a shared (e.g. Redis) limiter can implement it later. */
export interface Limiter {
	/** Resolves when a request charging `tokens` may start. Rejects if `signal` aborts. */
	acquire(tokens: number, signal?: AbortSignal): Promise<Permit>;
	observeHeaders(headers: RateLimitHeaders): void;
	/**
	 * A 429 (rate_limit): slow every dispatch down; hold them all for the server's delay
	 * unless the headers that came with it show budget left.
	 */
	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void;
	observeSuccess(): void;
	snapshot(): LimiterSnapshot;
}

/** A continuously refilling bucket; `level` may go negative when one charge exceeds capacity. */
class Bucket {
	level: number;
	#last: number;

	constructor(
		public ratePerMs: number,
		public capacity: number,
		now: number,
		start: number,
	) {
		this.level = start;
		this.#last = now;
	}

	refill(now: number): void {
		if (now > this.#last) {
			this.level = Math.min(this.capacity, this.level + (now - this.#last) * this.ratePerMs);
			this.#last = now;
		}
	}

	/** ms until `amount` may be taken (a charge above capacity waits for a full bucket). */
	waitFor(amount: number, now: number): number {
		this.refill(now);
		const need = Math.min(amount, this.capacity);
		if (this.level >= need) return 0;
		return Math.ceil((need - this.level) / this.ratePerMs);
	}

	/**
	 * The server says `used` of its budget is spent. Alone on the key, that is what this
	 * bucket has spent too, give or take the server's rounding and its own count of input
	 * tokens; a server that has seen more than a whole burst beyond that is counting
	 * someone else's traffic, so hold back until it has drained.
	 */
	syncUsed(used: number, now: number): void {
		this.refill(now);
		const slack = Math.max(1, this.capacity);
		this.level = Math.min(this.level, this.capacity - Math.max(0, used - slack));
	}
}

/** Counts over the last 60 s, O(1) amortised per event. */
class SlidingMinute {
	#times: number[] = [];
	#amounts: number[] = [];
	#head = 0;
	#sum = 0;

	add(now: number, amount: number): void {
		this.#times.push(now);
		this.#amounts.push(amount);
		this.#sum += amount;
	}

	/** Correct the latest charges (e.g. an estimate replaced by real usage). */
	adjust(amount: number): void {
		this.#sum += amount;
	}

	total(now: number): number {
		this.#expire(now);
		return Math.max(0, Math.round(this.#sum));
	}

	count(now: number): number {
		this.#expire(now);
		return this.#times.length - this.#head;
	}

	/** Events since `since` (within the minute), newest first: O(k) for k counted. */
	countSince(since: number, now: number): number {
		this.#expire(now);
		let n = 0;
		for (let i = this.#times.length - 1; i >= this.#head && this.#times[i]! > since; i--) n++;
		return n;
	}

	/** Time of the oldest event still in the minute, or null. */
	oldest(now: number): number | null {
		this.#expire(now);
		return this.#head < this.#times.length ? this.#times[this.#head]! : null;
	}

	#expire(now: number): void {
		while (this.#head < this.#times.length && this.#times[this.#head]! <= now - 60_000) {
			this.#sum -= this.#amounts[this.#head]!;
			this.#head++;
		}
		if (this.#head > 4096 && this.#head * 2 > this.#times.length) {
			this.#times = this.#times.slice(this.#head);
			this.#amounts = this.#amounts.slice(this.#head);
			this.#head = 0;
		}
	}
}

/** The 429 factor never goes below this share of a known limit. */
const MIN_FACTOR = 0.1;
/** A burst of 429s from one overshoot is one signal: at most one cut per this long. */
const CUT_INTERVAL_MS = 1000;
/** After a cut, this long without a 429 before the factor starts to recover... */
const QUIET_MS = 2000;
/** ...and then it recovers this much per ms (0 -> 1 in a minute; 0.75 -> 1 in 15 s). */
const RECOVER_PER_MS = 1 / 60_000;
/**
 * With no limit known, repeated 429s set the rate to the share of what was sent that the
 * server let through (a server over its limit refuses what is beyond it), and this much
 * under it: the latest answers understate the refusals, as their successes were mostly sent
 * before the overshoot began.
 */
const PROBE_MARGIN = 0.9;
/**
 * One such cut keeps at least this share of the rate: a few answers that are mostly 429s
 * say little more, and a run further over is cut again by the 429s that keep coming.
 */
const PROBE_MIN_LET_THROUGH = 0.7;
/** A 429 soon after such a cut (the cut was not enough) takes this much more off. */
const PROBE_STILL_OVER_CUT = 0.9;
/**
 * 429s at the learned rate's edge (PROBE_EDGE_CUT) never take it below this share of what
 * the last cut set: blips look the same, and must not talk the rate down for ever.
 */
const PROBE_FLOOR = 0.9;
/** Measure the rate that tripped the server over this much of the recent past. */
const PROBE_WINDOW_MS = 3000;
/**
 * With no limit known, the learned rate grows this much per ms once quiet (0.15 % a second):
 * slow enough that an overshoot drains a server's one-second burst only after a minute or so,
 * so the 429 that marks the edge comes about once a minute.
 */
const PROBE_GROWTH_PER_MS = 0.0015 / 1000;
/**
 * Each 429 at the learned rate's edge halves that growth, down to this many halvings: the
 * limit is near, so climb to it ever more slowly.
 */
const PROBE_EDGE_HALVINGS = 3;
/**
 * A lone 429 at the learned rate takes it this much lower, down to PROBE_FLOOR: a rate set
 * a hair over the limit would otherwise draw a 429 every few seconds for ever.
 */
const PROBE_EDGE_CUT = 0.95;
/** A learned rate never grows past this multiple of what was actually dispatched lately. */
const PROBE_HEADROOM = 1.5;

export class RateLimiter implements Limiter {
	readonly #clock: Clock;
	readonly #burstMs: number;
	readonly #flagRpm: number | undefined;
	readonly #flagTpm: number | undefined;
	#headerRpm: number | undefined;
	#headerTpm: number | undefined;
	/** The per-minute rate `remaining`/`reset` imply, when lower than `limit` (longer windows). */
	#refillRpm: number | undefined;
	#refillTpm: number | undefined;
	/** Multiplies known limits after 429s: its value at the last cut, recovering with time. */
	#cutFactor = 1;
	#lastCutAt = -Infinity;
	/** With nothing else known: the requests/min learned from 429s, at its last cut. */
	#probeRpm: number | undefined;
	#lastProbeCutAt = -Infinity;
	/** When the learned rate last started growing: its last cut, or a lone 429 at its edge. */
	#probeSince = -Infinity;
	/** Lone 429s met at the learned rate's edge since repeated ones set it. */
	#probeEdges = 0;
	/** How low lone 429s may take the learned rate: a little under what repeated ones set. */
	#probeFloor = 1;
	#heldUntil = 0;
	#requests: Bucket | null = null;
	#tokens: Bucket | null = null;
	/** When the buckets' rates were last set; they follow the recovering factor. */
	#tunedAt = -Infinity;
	#gate: Promise<void> = Promise.resolve();
	readonly #requestWindow = new SlidingMinute();
	readonly #tokenWindow = new SlidingMinute();
	/** Running mean of a request's real tokens (its estimate until settled). */
	#tokensPerRequest = 0;
	/** The latest answers: tells a 429 without rate-limit headers that is a blip from a limit. */
	readonly #evidence = new LimitEvidence();

	constructor(options: LimiterOptions = {}) {
		this.#clock = options.clock ?? systemClock;
		this.#burstMs = options.burstMs ?? 200;
		this.#flagRpm = positiveOrUndefined(options.rpm);
		this.#flagTpm = positiveOrUndefined(options.tpm);
		this.#rebuild(this.#clock.now());
	}

	/** The limits known from flags and headers, before the 429 factor. */
	#knownRpm(): number | undefined {
		return minDefined(this.#flagRpm, this.#headerRpm, this.#refillRpm);
	}

	#knownTpm(): number | undefined {
		return minDefined(this.#flagTpm, this.#headerTpm, this.#refillTpm);
	}

	#factor(now: number): number {
		if (this.#cutFactor >= 1) return 1;
		return Math.min(1, this.#cutFactor + Math.max(0, now - this.#lastCutAt - QUIET_MS) * RECOVER_PER_MS);
	}

	/** The learned rate now: the last cut, grown since, bounded by what was really used. */
	#probe(now: number): number | undefined {
		if (this.#probeRpm == null) return undefined;
		const growth = PROBE_GROWTH_PER_MS / 2 ** Math.min(this.#probeEdges, PROBE_EDGE_HALVINGS);
		const grown = this.#probeRpm * (1 + Math.max(0, now - this.#probeSince - QUIET_MS) * growth);
		if (grown <= this.#probeRpm) return grown;
		return Math.max(this.#probeRpm, Math.min(grown, PROBE_HEADROOM * this.#minuteRpm(now)));
	}

	/** Requests/min dispatched over the last minute (or since the first dispatch, at least 1 s); O(1). */
	#minuteRpm(now: number): number {
		const oldest = this.#requestWindow.oldest(now);
		if (oldest == null) return 0;
		return (this.#requestWindow.count(now) * 60_000) / Math.max(1000, now - oldest);
	}

	/** Requests/min dispatched over the last `windowMs` (or since the first dispatch, at least 1 s). */
	#recentRpm(now: number, windowMs: number): number {
		const oldest = this.#requestWindow.oldest(now);
		if (oldest == null) return 0;
		const span = Math.min(windowMs, Math.max(1000, now - oldest));
		return (this.#requestWindow.countSince(now - span, now) * 60_000) / span;
	}

	/** Requests/min and tokens/min pacing aims at now, undefined when unbounded. */
	#targets(now: number): {rpm: number | undefined; tpm: number | undefined} {
		const known = this.#knownRpm();
		const tpm = this.#knownTpm();
		if (known == null && tpm == null) return {rpm: this.#probe(now), tpm: undefined};
		const factor = this.#factor(now);
		return {rpm: known != null ? known * factor : undefined, tpm: tpm != null ? tpm * factor : undefined};
	}

	#rebuild(now: number): void {
		const {rpm, tpm} = this.#targets(now);
		this.#tunedAt = now;
		// Requests start with one in hand (smooth from the first); tokens with a full burst.
		this.#requests = rpm ? this.#retune(this.#requests, rpm / 60_000, now, 1, 1) : null;
		this.#tokens = tpm ? this.#retune(this.#tokens, tpm / 60_000, now, 0, Infinity) : null;
	}

	#retune(bucket: Bucket | null, ratePerMs: number, now: number, minCapacity: number, start: number): Bucket {
		const capacity = Math.max(minCapacity, ratePerMs * this.#burstMs);
		if (!bucket) return new Bucket(ratePerMs, capacity, now, Math.min(capacity, start));
		bucket.refill(now);
		bucket.ratePerMs = ratePerMs;
		bucket.capacity = capacity;
		bucket.level = Math.min(bucket.level, capacity);
		return bucket;
	}

	/** Rates that change with time (a recovering factor, a growing probe) are re-read every 100 ms. */
	#retuneIfStale(now: number): void {
		if (now - this.#tunedAt < 100) return;
		if (this.#cutFactor < 1 || this.#probeRpm != null) this.#rebuild(now);
		else this.#tunedAt = now;
	}

	acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
		// One waiter at a time, first come first served: the gate is a promise chain.
		const turn = this.#gate.then(() => this.#waitTurn(tokens, signal));
		this.#gate = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}

	async #waitTurn(tokens: number, signal?: AbortSignal): Promise<Permit> {
		for (;;) {
			signal?.throwIfAborted();
			const now = this.#clock.now();
			this.#retuneIfStale(now);
			const wait = Math.max(
				this.#heldUntil - now,
				this.#requests?.waitFor(1, now) ?? 0,
				this.#tokens?.waitFor(tokens, now) ?? 0,
			);
			if (wait <= 0) break;
			// Re-check at least every 250 ms: headers or a recovering rate may shorten the wait.
			await this.#clock.sleep(Math.min(wait, 250), signal);
		}
		const now = this.#clock.now();
		if (this.#tokensPerRequest === 0) this.#tokensPerRequest = tokens;
		if (this.#requests) this.#requests.level -= 1;
		if (this.#tokens) this.#tokens.level -= tokens;
		this.#requestWindow.add(now, 1);
		this.#tokenWindow.add(now, tokens);
		let settled = false;
		return {
			settle: actual => {
				if (settled) return;
				settled = true;
				const delta = actual - tokens;
				if (this.#tokens) this.#tokens.level -= delta;
				this.#tokenWindow.adjust(delta);
				// A failed attempt (0) says nothing about a request's size.
				if (actual > 0) {
					this.#tokensPerRequest = this.#tokensPerRequest === 0 ? actual : this.#tokensPerRequest * 0.95 + actual * 0.05;
				}
			},
		};
	}

	observeHeaders(headers: RateLimitHeaders): void {
		const now = this.#clock.now();
		let changed = false;
		if (headers.limitRequests && headers.limitRequests !== this.#headerRpm) {
			this.#headerRpm = headers.limitRequests;
			changed = true;
		}
		if (headers.limitTokens && headers.limitTokens !== this.#headerTpm) {
			this.#headerTpm = headers.limitTokens;
			changed = true;
		}
		const refillRpm = refillRate(headers.limitRequests, headers.remainingRequests, headers.resetRequestsMs);
		if (refillRpm !== this.#refillRpm) {
			this.#refillRpm = refillRpm;
			changed = true;
		}
		const refillTpm = refillRate(headers.limitTokens, headers.remainingTokens, headers.resetTokensMs);
		if (refillTpm !== this.#refillTpm) {
			this.#refillTpm = refillTpm;
			changed = true;
		}
		if (changed) {
			// Headers replace what 429s taught: the server has said what its limits are.
			if (this.#headerRpm != null || this.#headerTpm != null) this.#probeRpm = undefined;
			this.#rebuild(now);
		}
		// Never dispatch past what the server says is left.
		if (this.#requests && headers.limitRequests != null && headers.remainingRequests != null) {
			this.#requests.syncUsed(headers.limitRequests - headers.remainingRequests, now);
		}
		if (this.#tokens && headers.limitTokens != null && headers.remainingTokens != null) {
			this.#tokens.syncUsed(headers.limitTokens - headers.remainingTokens, now);
		}
	}

	observeRateLimit(retryAfterMs: number | null, rateLimits?: RateLimitHeaders): void {
		const now = this.#clock.now();
		const verdict = this.#evidence.observe429(now);
		if (rateLimits == null || Object.keys(rateLimits).length === 0) {
			this.#observeBare429(now, retryAfterMs, verdict);
			return;
		}
		// Headers say more than any count of 429s: they are read, and the 429s' verdict is not.
		this.observeHeaders(rateLimits);
		// The server says budget is left: a short-window blip, not the run being over the limit.
		// Slow down a little; the job that got it waits its own retry-after.
		const budgetLeft = (rateLimits.remainingRequests ?? 0) > 0 && (rateLimits.remainingTokens ?? 1) > 0;
		if (!budgetLeft && retryAfterMs != null) this.#heldUntil = Math.max(this.#heldUntil, now + retryAfterMs);
		this.#slowDown(now, budgetLeft ? 0.95 : 0.75);
	}

	/**
	 * A 429 with no rate-limit headers, read among the latest answers (limitEvidence.ts).
	 * A blip changes nothing: its job waits its own retry-after. Repeated 429s show a limit:
	 * every dispatch waits out the server's delay and the run slows. A 429 soon after that
	 * shows it did not slow enough, and slows it again.
	 */
	#observeBare429(now: number, retryAfterMs: number | null, verdict: RateLimitVerdict): void {
		if (verdict === 'blip') return;
		if (verdict === 'edge') {
			// The learned rate has met the limit again: back a little under it, climbing again
			// more slowly, but never below the floor the last cut set. A blip taken for the edge
			// costs the growth since and a few percent at most; the edge, one 429 per climb.
			if (this.#probeRpm != null && this.#knownRpm() == null && this.#knownTpm() == null) {
				this.#probeRpm = Math.max(this.#probeFloor, this.#probeRpm * PROBE_EDGE_CUT);
				this.#probeSince = now;
				this.#probeEdges++;
				this.#rebuild(now);
			}
			return;
		}
		if (verdict === 'limit' && retryAfterMs != null) this.#heldUntil = Math.max(this.#heldUntil, now + retryAfterMs);
		// The new rate is judged by its own answers (those of one overshoot only cut once).
		if (this.#slowDown(now, 0.75, verdict === 'limit')) this.#evidence.cut(verdict);
		// The server is out of budget: after the hold, resume at the new pace, not with the
		// burst the bucket saved up meanwhile (its first requests would meet a 429 too).
		if (verdict === 'limit' && this.#requests) {
			this.#requests.refill(now);
			this.#requests.level = Math.min(this.#requests.level, -Math.max(0, this.#heldUntil - now) * this.#requests.ratePerMs);
		}
	}

	/**
	 * Slow every dispatch: cut the factor on known limits (by `cut`), or the learned rate.
	 * False when the 429 belongs to an overshoot already cut for.
	 */
	#slowDown(now: number, cut: number, repeated = true): boolean {
		let slowed = false;
		if (this.#knownRpm() == null && this.#knownTpm() == null) {
			slowed = this.#cutProbe(now, repeated);
		} else if (now - this.#lastCutAt >= CUT_INTERVAL_MS) {
			// One cut per window: a burst of 429s from one overshoot is one signal, not twenty.
			this.#cutFactor = Math.max(MIN_FACTOR, this.#factor(now) * cut);
			this.#lastCutAt = now;
			slowed = true;
		}
		this.#rebuild(now);
		return slowed;
	}

	/**
	 * Nothing known but 429s. Repeated ones: the rate sent (the learned rate, or with none
	 * yet the dispatches of the last few seconds) less the share the server refused of the
	 * latest answers is what it let through, its limit; aim under it. A 429 soon after a
	 * cut: not enough; a tenth lower. Either sets the floor lone 429s stop at. At most once
	 * per two request gaps after the hold, so the 429s of one overshoot, answered together,
	 * count once.
	 */
	#cutProbe(now: number, repeated: boolean): boolean {
		const current = this.#probe(now);
		// From the end of the hold: the first answers after it still meet the overshoot's debt.
		const settledSince = Math.max(this.#lastProbeCutAt, this.#heldUntil);
		if (current != null && now - settledSince < Math.max(50, (2 * 60_000) / current)) return false;
		if (repeated || current == null) {
			const sent = minDefined(current, this.#recentRpm(now, PROBE_WINDOW_MS)) ?? 1;
			const letThrough = Math.max(PROBE_MIN_LET_THROUGH, 1 - this.#evidence.refusedShare(now));
			this.#probeRpm = Math.max(1, sent * letThrough * PROBE_MARGIN);
		} else {
			this.#probeRpm = Math.max(1, current * PROBE_STILL_OVER_CUT);
		}
		this.#probeFloor = this.#probeRpm * PROBE_FLOOR;
		this.#probeEdges = 0;
		this.#lastProbeCutAt = this.#probeSince = now;
		return true;
	}

	observeSuccess(): void {
		// Recovery after 429s is by time, not by count: a fast run must not spring back faster.
		// Successes give the 429s around them their weight.
		this.#evidence.observeSuccess(this.#clock.now());
	}

	snapshot(): LimiterSnapshot {
		const now = this.#clock.now();
		const {rpm, tpm} = this.#targets(now);
		const flags = this.#flagRpm != null || this.#flagTpm != null;
		const headers = this.#headerRpm != null || this.#headerTpm != null;
		const perRequest = this.#tokensPerRequest || null;
		const byTokens = tpm != null && perRequest ? tpm / perRequest : undefined;
		const paced = minDefined(rpm, byTokens);
		return {
			rpmNow: this.#requestWindow.count(now),
			tpmNow: this.#tokenWindow.total(now),
			rpmLimit: rpm ? Math.round(rpm) : null,
			tpmLimit: tpm ? Math.round(tpm) : null,
			limitSource: flags && headers ? 'flags+headers' : flags ? 'flags' : headers ? 'headers' : null,
			heldUntil: this.#heldUntil > now ? this.#heldUntil : null,
			pacedRpm: paced ?? null,
		};
	}
}

function positiveOrUndefined(value: number | undefined): number | undefined {
	return value != null && value > 0 && Number.isFinite(value) ? value : undefined;
}

function minDefined(...values: Array<number | undefined>): number | undefined {
	let min: number | undefined;
	for (const v of values) if (v != null && v > 0 && (min == null || v < min)) min = v;
	return min;
}

/**
 * The per-minute rate the budget refills at, from `remaining` and `reset` (time until
 * full), when it is clearly below `limit` per minute: a daily window, or a server that
 * refills slower than it says. Undefined when the figures are too small to tell.
 */
function refillRate(limit: number | undefined, remaining: number | undefined, resetMs: number | undefined): number | undefined {
	if (limit == null || remaining == null || resetMs == null || resetMs <= 0) return undefined;
	const used = limit - remaining;
	// A couple of units are mostly rounding (remaining is floored, reset is not).
	if (used < Math.max(2, limit * 0.01)) return undefined;
	const perMinute = (used / resetMs) * 60_000;
	return perMinute < limit * 0.9 ? perMinute : undefined;
}
