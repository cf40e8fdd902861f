/**
 * What one attempt will do: a pure function of (seed, request key, attempt number), so
 * arrival order and concurrency never change an outcome.
 */
import {mixSeed, Rng} from './random.js';
import type {FaultName, FaultRates, SimProfile} from './types.js';

/** Faults drawn per attempt, in the order their probability ranges are laid out. */
export const ATTEMPT_FAULTS = [
	'rateLimit',
	'slowDown',
	'quota',
	'server500',
	'badGateway502',
	'overloaded503',
	'gatewayTimeout504',
	'reset',
	'stall',
	'cut',
	'streamError',
] as const satisfies readonly FaultName[];

export type AttemptFault = (typeof ATTEMPT_FAULTS)[number];

/** Faults that happen after a 200 has started (or, without streaming, instead of it). */
export const MID_RESPONSE_FAULTS: ReadonlySet<AttemptFault> = new Set(['stall', 'cut', 'streamError']);

/** Stable per-purpose salts, so adding a draw for one purpose never shifts another. */
const SALT_ATTEMPT = 0x5a17;
const SALT_PERMANENT = 0xbad;

export interface AttemptPlan {
	readonly fault: AttemptFault | null;
	readonly ttfbMs: number;
	readonly perTokenMs: number;
	/** Visible output tokens the model "wants" to write, before the cap. */
	readonly visibleTokens: number;
	/** Hidden reasoning tokens (reasoning models only). */
	readonly reasoningTokens: number;
	/** For stall/cut/streamError: the share of the visible output sent before it strikes. */
	readonly faultAt: number;
	/** For seeded 429s: the wait they ask for (scaled by latencyScale, at least 1 ms). */
	readonly retryAfterMs: number;
	/** Seed for the output words. */
	readonly textSeed: number;
}

export function pickFault(roll: number, rates: FaultRates): AttemptFault | null {
	let total = 0;
	for (const name of ATTEMPT_FAULTS) total += Math.max(0, rates[name]);
	// Rates adding up to more than 1 are read as relative weights.
	const scale = total > 1 ? total : 1;
	let edge = 0;
	for (const name of ATTEMPT_FAULTS) {
		edge += Math.max(0, rates[name]) / scale;
		if (roll < edge) return name;
	}
	return null;
}

export function planAttempt(
	seed: number,
	keyHash: number,
	attempt: number,
	profile: Pick<SimProfile, 'latency' | 'outputTokens' | 'faultRetryAfterMs'>,
	faults: FaultRates,
	reasoning: boolean,
	latencyScale: number,
): AttemptPlan {
	const rng = new Rng(mixSeed(seed, keyHash, attempt, SALT_ATTEMPT));
	const fault = pickFault(rng.next(), faults);
	const {ttfbMs, perTokenMs} = profile.latency;
	const [minOut, maxOut] = profile.outputTokens;
	const ttfb = rng.between(ttfbMs[0], ttfbMs[1]) * latencyScale;
	const perToken = rng.between(perTokenMs[0], perTokenMs[1]) * latencyScale;
	// Squared so most replies are short and a few run long (and some hit the cap).
	const r = rng.next();
	const visibleTokens = minOut + Math.floor(r * r * (maxOut - minOut + 1));
	const reasoningTokens = reasoning ? rng.pick([0, 0, 64]) : 0;
	const faultAt = rng.between(0.1, 0.7);
	// Scaled like the latencies so tests at latencyScale 0 don't sit out fake waits; the
	// enforced limits' waits are real and never scaled.
	const retryAfterMs = Math.max(1, Math.round(rng.between(profile.faultRetryAfterMs[0], profile.faultRetryAfterMs[1]) * latencyScale));
	const textSeed = Math.floor(rng.next() * 4294967296);
	return {fault, ttfbMs: ttfb, perTokenMs: perToken, visibleTokens, reasoningTokens, faultAt, retryAfterMs, textSeed};
}

/** The permanent per-prompt fault: independent of the attempt, so every retry fails alike. */
export function isPermanentlyBad(seed: number, keyHash: number, rate: number): boolean {
	if (!(rate > 0)) return false;
	return new Rng(mixSeed(seed, keyHash, SALT_PERMANENT)).next() < rate;
}
