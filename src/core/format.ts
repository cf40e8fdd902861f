/**
 * Numbers, money and durations as pacer prints them, one way everywhere: the plain lines of
 * `pacer run` and `pacer count`, error messages, and the dashboard (components/format.ts
 * re-exports these). Pure functions.
 */

/** 1234.5 -> "1,235". */
export function formatInt(n: number): string {
	const rounded = Math.round(n);
	// The first toLocaleString loads ICU's number formatting (~30 ms, on the dashboard's
	// first frame): a safe integer is grouped here instead, to the same text.
	if (!Number.isSafeInteger(rounded) || Object.is(rounded, -0)) return rounded.toLocaleString('en-US');
	const digits = String(Math.abs(rounded));
	let text = digits.slice(0, digits.length % 3 || 3);
	for (let i = text.length; i < digits.length; i += 3) text += `,${digits.slice(i, i + 3)}`;
	return rounded < 0 ? `-${text}` : text;
}

/** Dollars: cents from $1 up, four decimals below ("$0.0240"), "unknown" for null (a model without a price). */
export function formatUsd(usd: number | null): string {
	if (usd == null) return 'unknown';
	return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

/** A short duration that moves (a countdown, a latency): "0.4s", "12.3s", "2m05s", "1h02m". */
export function formatSeconds(ms: number): string {
	const s = Math.max(0, ms) / 1000;
	if (s < 60) return `${s.toFixed(1)}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
	return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A duration as a setting reads (a timeout in a message): "644ms", "1.5s", "60s". */
export function formatDuration(ms: number): string {
	return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${ms}ms`;
}
