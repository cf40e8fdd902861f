/** Reading the API's rate-limit and retry headers. Every header is optional. */
import type {RateLimitHeaders} from './types.js';

const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const UNIT_MS: Record<string, number> = {h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001};

/** Go-style duration (`1m30s`, `8.64s`, `120ms`) -> ms; a bare number is seconds. Null when unreadable. */
export function parseDuration(text: string | null | undefined): number | null {
	if (text == null) return null;
	const trimmed = text.trim();
	if (trimmed === '') return null;
	if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
	let total = 0;
	let matched = '';
	for (const match of trimmed.matchAll(DURATION_PART)) {
		total += Number(match[1]) * UNIT_MS[match[2]!]!;
		matched += match[0];
	}
	return matched.length === trimmed.length && matched.length > 0 ? total : null;
}

/**
 * The delay the server asked for: `retry-after-ms`, else `retry-after` (seconds or an HTTP
 * date). Null when neither says anything usable. Never negative.
 */
export function retryAfterFromHeaders(get: (name: string) => string | null, now = Date.now()): number | null {
	const ms = get('retry-after-ms');
	if (ms != null && ms.trim() !== '') {
		const value = Number(ms);
		if (Number.isFinite(value) && value >= 0) return value;
	}
	const after = get('retry-after');
	if (after != null && after.trim() !== '') {
		const seconds = Number(after);
		if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
		const date = Date.parse(after);
		if (Number.isFinite(date)) return Math.max(0, date - now);
	}
	return null;
}

function int(value: string | null): number | undefined {
	if (value == null || value.trim() === '') return undefined;
	const n = Number(value);
	return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** `x-ratelimit-*` headers -> figures; unknown or unreadable ones are left out. */
export function parseRateLimitHeaders(get: (name: string) => string | null): RateLimitHeaders {
	const out: {-readonly [K in keyof RateLimitHeaders]: RateLimitHeaders[K]} = {};
	const set = <K extends keyof RateLimitHeaders>(key: K, value: number | null | undefined) => {
		if (value != null) out[key] = value;
	};
	set('limitRequests', int(get('x-ratelimit-limit-requests')));
	set('limitTokens', int(get('x-ratelimit-limit-tokens')));
	set('remainingRequests', int(get('x-ratelimit-remaining-requests')));
	set('remainingTokens', int(get('x-ratelimit-remaining-tokens')));
	set('resetRequestsMs', parseDuration(get('x-ratelimit-reset-requests')));
	set('resetTokensMs', parseDuration(get('x-ratelimit-reset-tokens')));
	return out;
}
