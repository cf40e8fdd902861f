/**
 * Reading 429s that come without rate-limit headers. Alone, such a 429 cannot tell a limit
 * from a blip: a proxy's hiccup, one overloaded shard, a gateway's brief refusal. Most
 * OpenAI-compatible servers send no `x-ratelimit-*` at all, and some answer a few percent of
 * requests with a bare 429 while no limit binds. Taking each for a limit slows the whole run
 * for nothing (160 prompts: 4 s became 45 s), so a 429 is read against the answers around it:
 *
 * - a few 429s among successes are blips: the prompt that got one waits its retry-after and
 *   the run keeps its pace;
 * - 429s that make up a large share of the latest answers, far above the share the same
 *   server refused before, show a limit: a client over a server's rate meets a refusal for
 *   every request beyond it, so the share jumps with the overshoot, while blips stay the
 *   small share they always were;
 * - once the run has slowed for a limit, a 429 among the next answers shows it did not slow
 *   enough: the refusals of an overshoot stop after a deep enough cut, blips do not, and
 *   past those answers a lone 429 is read as a blip (or the limit's edge) again.
 *
 * Pure: it is told each answer and when; it keeps no clock and sends nothing.
 */

/**
 * What a 429 shows: `blip` (nothing to slow down for), `limit` (repeated 429s: over a
 * limit), and once the run has slowed for a limit and the 429s since are more than its
 * blips explain: `after-cut` (soon after: not slowed enough) or `edge` (later: the learned
 * rate, growing, has met the limit again).
 */
export type RateLimitVerdict = 'blip' | 'limit' | 'after-cut' | 'edge';

/** How many of the latest answers (successes and 429s) a 429 is read among. */
export const WINDOW_ANSWERS = 20;
/**
 * 429s among them, the new one included, that show a limit on a server that refused nothing
 * before: 4 in 20, a fifth of the answers, where a client 25 % over a limit gets within its
 * first twenty answers past it, and blips at 3 % only by a rare cluster.
 */
export const LIMIT_429S = 4;
/**
 * ...or this many in a row, with no success between: a client that has just run into a
 * limit meets it with every request it has in flight at once. Blips at 3 % come three in a
 * row about once in 1,100 of them.
 */
export const LIMIT_IN_A_ROW = 3;
/**
 * The answers before the window, until a limit first shows, tell what the server refuses at
 * random. Each 429 the window would hold at that share raises both bars by two (any share
 * by one at least), so a server that blips at 2-3 % needs five 429s in twenty, not four:
 * with it, about one of its 429s in 600 reads as a limit (limitEvidence.test.ts).
 */
export const BASELINE_ANSWERS = 200;
/** Successes to read 429s among before the window is full (after a cut). */
export const MIN_SUCCESSES = WINDOW_ANSWERS / 2;
/**
 * Answers before a count is read at all: until the first replies of a run are in, its
 * answers are mostly the 429s (which come back first) of the many requests sent at once.
 */
export const START_ANSWERS = 2 * WINDOW_ANSWERS;
/** Answers older than this say nothing about the rate now (a slow run's 429s a minute apart). */
export const WINDOW_MS = 60_000;
/**
 * After a cut, this many answers are watched: a 429 among them cuts again. Enough to catch
 * a run still well over; few enough that blips after a mistaken cut rarely chain (at 3 %
 * blips, one in two such cuts is followed by another).
 */
export const WATCH_ANSWERS = 20;
/**
 * At most this many `after-cut` cuts follow one `limit`; 429s past them are read as the
 * edge (a gentler cut), so blips after a mistaken cut cannot chain far. A run still well
 * over shows it with a new `limit`.
 */
export const AFTER_CUTS = 2;

export class LimitEvidence {
	/** The latest answers, oldest first: when each came and whether it was a 429. */
	readonly #recent: Array<{at: number; limited: boolean}> = [];
	/** Whether each of the answers before them was a 429, as a ring. */
	readonly #baseline: boolean[] = [];
	#baselineNext = 0;
	#baselineLimited = 0;
	/** Answers still watched after the last cut. */
	#watch = 0;
	/** A limit has shown: the baseline is kept as it was before. */
	#pressure = false;
	/** Successes since the start or the last cut. */
	#successes = 0;
	/** 429s since the last cut. */
	#limitedSinceCut = 0;
	/** Answers since the start. */
	#answered = 0;
	/** Cuts for `after-cut` since the last `limit`. */
	#cutsAfterLimit = 0;

	observeSuccess(now: number): void {
		this.#successes++;
		this.#push(now, false);
	}

	/** A 429 that came without rate-limit headers: what it shows. */
	observe429(now: number): RateLimitVerdict {
		const watched = this.#watch > 0;
		this.#limitedSinceCut++;
		this.#push(now, true);
		if (this.#isLimit(now)) return 'limit';
		if (!this.#pressure || !this.#beyondBlips()) return 'blip';
		return watched && this.#cutsAfterLimit < AFTER_CUTS ? 'after-cut' : 'edge';
	}

	/**
	 * The run slowed for a limit: watch the answers that follow. The latest 429s were answered
	 * at the old rate and have been acted on; the new rate is judged by its own answers.
	 */
	cut(verdict: 'limit' | 'after-cut'): void {
		this.#cutsAfterLimit = verdict === 'limit' ? 0 : this.#cutsAfterLimit + 1;
		this.#recent.length = 0;
		this.#successes = 0;
		this.#limitedSinceCut = 0;
		this.#watch = WATCH_ANSWERS;
		// Once a limit has shown, what the server refuses is no longer only blips (a rate still
		// a little over), and must not raise the bar for seeing it: the baseline stays as it was.
		this.#pressure = true;
	}

	/** 429s among the latest answers still inside the window. */
	limitedCount(now: number): number {
		let count = 0;
		for (const answer of this.#recent) if (answer.limited && answer.at > now - WINDOW_MS) count++;
		return count;
	}

	/** The share of the latest answers that were 429s: what the server refused of what was sent. */
	refusedShare(now: number): number {
		let answers = 0;
		for (const answer of this.#recent) if (answer.at > now - WINDOW_MS) answers++;
		return answers > 0 ? this.limitedCount(now) / answers : 0;
	}

	/** The share of 429s among the answers before the window: the server's usual blips. */
	baselineShare(): number {
		return this.#baseline.length > 0 ? this.#baselineLimited / this.#baseline.length : 0;
	}

	/**
	 * A 429 comes back sooner than a reply, so the first answers of a run (or after a cut)
	 * are its 429s, blips or not: a count is read once the run is past its first answers and
	 * the window is full or holds enough successes; a row, only after a success.
	 */
	#isLimit(now: number): boolean {
		const bump = Math.ceil(2 * this.baselineShare() * WINDOW_ANSWERS);
		const counted =
			this.#answered >= START_ANSWERS && (this.#recent.length >= WINDOW_ANSWERS || this.#successes >= MIN_SUCCESSES);
		if (counted && this.limitedCount(now) >= LIMIT_429S + bump) return true;
		return this.#successes > 0 && this.#inARow() >= LIMIT_IN_A_ROW + bump;
	}

	/**
	 * Since the last cut, more 429s than the server's blips before any limit showed would
	 * explain (by two standard deviations, and half a 429): with no blips before, any 429.
	 */
	#beyondBlips(): boolean {
		const expected = this.baselineShare() * (this.#successes + this.#limitedSinceCut);
		return this.#limitedSinceCut > expected + 2 * Math.sqrt(expected) + 0.5;
	}

	/** 429s at the end of the answers since the last success. */
	#inARow(): number {
		let n = 0;
		for (let i = this.#recent.length - 1; i >= 0 && this.#recent[i]!.limited; i--) n++;
		return n;
	}

	#push(at: number, limited: boolean): void {
		this.#answered++;
		if (this.#watch > 0) this.#watch--;
		this.#recent.push({at, limited});
		if (this.#recent.length > WINDOW_ANSWERS) {
			const older = this.#recent.shift()!;
			if (!this.#pressure) this.#toBaseline(older.limited);
		}
	}

	#toBaseline(limited: boolean): void {
		if (this.#baseline.length < BASELINE_ANSWERS) {
			this.#baseline.push(limited);
		} else {
			if (this.#baseline[this.#baselineNext]) this.#baselineLimited--;
			this.#baseline[this.#baselineNext] = limited;
			this.#baselineNext = (this.#baselineNext + 1) % BASELINE_ANSWERS;
		}
		if (limited) this.#baselineLimited++;
	}
}
