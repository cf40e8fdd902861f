/**
 * Go `time.Duration` strings, the format of `x-ratelimit-reset-*` and of the
 * "Please try again in …" text: `120ms`, `8.64s`, `6m0s`, `23h55m16.126s`.
 */
export function formatGoDuration(ms: number): string {
	if (!(ms > 0)) return '0s';
	if (ms < 1000) return `${Math.max(1, Math.round(ms))}ms`;
	const totalSeconds = Math.round(ms) / 1000;
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds - hours * 3600 - minutes * 60;
	// Go prints up to three decimals and drops trailing zeros.
	const secondsText = `${Number(seconds.toFixed(3))}s`;
	if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
	if (minutes > 0) return `${minutes}m${secondsText}`;
	return secondsText;
}
