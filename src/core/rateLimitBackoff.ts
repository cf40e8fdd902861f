/**
 * How 429s slow the whole run, and how it speeds up again.
 * - With a limit known (flags or headers): a factor on it, cut by a 429 and recovering
 *   with time, never with a count of successes (a fast run must not spring back faster).
 * - With nothing known but 429s: only 429s that repeat show a limit, read among the latest
 *   answers (limitEvidence.ts); a lone one among successes is a blip that slows nothing.
 *   Repeated ones set a learned rate under what the server let through; later 429s trim
 *   it, and it grows back slowly, so a run settles just under the limit.
 * - A 429 that shows the server out of budget holds every dispatch for its retry-after; one
 *   whose headers show budget left is read like a bare one (a lone one is a blip).
 */
import {LimitEvidence} from './limitEvidence.js';
import {tightest} from './knownLimits.js';
import type {SlidingMinute} from './slidingMinute.js';

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

/**
 * What a 429 did to pacing: nothing (a blip), slowed it (the rates must be re-read), or
 * showed the server out of budget (slowed, and a burst saved up meanwhile must not go).
 */
export type BackoffChange = 'none' | 'slowed' | 'over-limit';

export class RateLimitBackoff {
	/** The requests dispatched: what the learned rate is measured and bounded by. */
	readonly #sent: SlidingMinute;
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
	/** The latest answers: tells a 429 without rate-limit headers that is a blip from a limit. */
	readonly #evidence = new LimitEvidence();

	constructor(sent: SlidingMinute) {
		this.#sent = sent;
	}

	/** Until when every dispatch waits (epoch ms; in the past when nothing is held). */
	get heldUntil(): number {
		return this.#heldUntil;
	}

	/** The factor recovers and the learned rate grows: rates read from them go stale. */
	get changesWithTime(): boolean {
		return this.#cutFactor < 1 || this.#probeRpm != null;
	}

	/** What multiplies the known limits now. */
	factor(now: number): number {
		if (this.#cutFactor >= 1) return 1;
		return Math.min(1, this.#cutFactor + Math.max(0, now - this.#lastCutAt - QUIET_MS) * RECOVER_PER_MS);
	}

	/** The rate learned from 429s now: the last cut, grown since, bounded by what was really used. */
	learnedRpm(now: number): number | undefined {
		if (this.#probeRpm == null) return undefined;
		const growth = PROBE_GROWTH_PER_MS / 2 ** Math.min(this.#probeEdges, PROBE_EDGE_HALVINGS);
		const grown = this.#probeRpm * (1 + Math.max(0, now - this.#probeSince - QUIET_MS) * growth);
		if (grown <= this.#probeRpm) return grown;
		return Math.max(this.#probeRpm, Math.min(grown, PROBE_HEADROOM * this.#sent.perMinute(now)));
	}

	/** The server has stated its limits: what 429s taught is replaced. */
	forgetLearnedRpm(): void {
		this.#probeRpm = undefined;
	}

	/** An answered request: the 429s around it are read against it. */
	observeSuccess(now: number): void {
		this.#evidence.observeSuccess(now);
	}

	/**
	 * A 429 whose rate-limit headers have been read into the known limits (`limitsKnown`).
	 * With no budget left it is the limit itself: every dispatch waits out its retry-after and
	 * the run slows by a quarter. With budget left it is not the limit the headers count (a
	 * short window, one shard, a proxy in front), and is read among the latest answers like a
	 * bare one: alone among successes it is a blip that slows nothing (its job waits its own
	 * retry-after); repeated, the run slows a little and holds nothing. A 5 % cut for every
	 * such blip cost a faulty but unlimited run a few percent of its pace for nothing.
	 */
	observeWithHeaders(now: number, retryAfterMs: number | null, budgetLeft: boolean, limitsKnown: boolean): BackoffChange {
		const verdict = this.#evidence.observe429(now);
		if (budgetLeft) {
			if (verdict === 'blip') return 'none';
			this.#slowDown(now, 0.95, true, limitsKnown);
			return 'slowed';
		}
		if (retryAfterMs != null) this.#hold(now + retryAfterMs);
		this.#slowDown(now, 0.75, true, limitsKnown);
		return 'slowed';
	}

	/**
	 * A 429 with no rate-limit headers, read among the latest answers (limitEvidence.ts).
	 * A blip changes nothing: its job waits its own retry-after. Repeated 429s show a limit:
	 * every dispatch waits out the server's delay and the run slows. A 429 soon after that
	 * shows it did not slow enough, and slows it again.
	 */
	observeBare(now: number, retryAfterMs: number | null, limitsKnown: boolean): BackoffChange {
		const verdict = this.#evidence.observe429(now);
		if (verdict === 'blip') return 'none';
		if (verdict === 'edge') {
			// The learned rate has met the limit again: back a little under it, climbing again
			// more slowly, but never below the floor the last cut set. A blip taken for the edge
			// costs the growth since and a few percent at most; the edge, one 429 per climb.
			if (this.#probeRpm == null || limitsKnown) return 'none';
			this.#probeRpm = Math.max(this.#probeFloor, this.#probeRpm * PROBE_EDGE_CUT);
			this.#probeSince = now;
			this.#probeEdges++;
			return 'slowed';
		}
		if (verdict === 'limit' && retryAfterMs != null) this.#hold(now + retryAfterMs);
		// The new rate is judged by its own answers (those of one overshoot only cut once).
		if (this.#slowDown(now, 0.75, verdict === 'limit', limitsKnown)) this.#evidence.cut(verdict);
		return verdict === 'limit' ? 'over-limit' : 'slowed';
	}

	#hold(until: number): void {
		this.#heldUntil = Math.max(this.#heldUntil, until);
	}

	/**
	 * Slow every dispatch: cut the factor on known limits (by `cut`), or the learned rate.
	 * False when the 429 belongs to an overshoot already cut for.
	 */
	#slowDown(now: number, cut: number, repeated: boolean, limitsKnown: boolean): boolean {
		if (!limitsKnown) return this.#cutProbe(now, repeated);
		// One cut per window: a burst of 429s from one overshoot is one signal, not twenty.
		if (now - this.#lastCutAt < CUT_INTERVAL_MS) return false;
		this.#cutFactor = Math.max(MIN_FACTOR, this.factor(now) * cut);
		this.#lastCutAt = now;
		return true;
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
		const current = this.learnedRpm(now);
		// From the end of the hold: the first answers after it still meet the overshoot's debt.
		const settledSince = Math.max(this.#lastProbeCutAt, this.#heldUntil);
		if (current != null && now - settledSince < Math.max(50, (2 * 60_000) / current)) return false;
		if (repeated || current == null) {
			const sent = tightest(current, this.#sent.perMinuteOver(now, PROBE_WINDOW_MS)) ?? 1;
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
}
