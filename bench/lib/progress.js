/**
 * Progress of the bench's long runs, a line every 10 s on stderr: a run of minutes that
 * prints nothing cannot be told from one that hangs.
 */

/** How often a long run says how far it is. */
export const PROGRESS_EVERY_MS = 10_000;

const grouped = n => Math.round(n).toLocaleString('en-US');

/** `100k headless: 23,456 / 100,000 prompts, 52 s (451/s)`; `done` alone when there is no total. */
export function progressLine({label, done, total, elapsedMs, unit = 'prompts'}) {
	const seconds = elapsedMs / 1000;
	const count = total == null ? `${grouped(done)} ${unit}` : `${grouped(done)} / ${grouped(total)} ${unit}`;
	const rate = seconds > 0 && done > 0 ? ` (${grouped(done / seconds)}/s)` : '';
	return `${label}: ${count}, ${seconds.toFixed(0)} s${rate}`;
}

/**
 * Calls `log(progressLine(...))` every `everyMs` with `read()`'s `{done, total}` until the
 * returned stop function is called. The timer is unref'd: it never keeps the bench alive.
 */
export function startProgress({label, read, log, everyMs = PROGRESS_EVERY_MS, unit}) {
	const started = performance.now();
	const timer = setInterval(() => {
		const {done, total} = read();
		log(progressLine({label, done, total, elapsedMs: performance.now() - started, unit}));
	}, everyMs);
	timer.unref();
	return () => clearInterval(timer);
}

/** Prompts the simulator has answered to the end (completed or cut off at the output cap). */
export const answered = simulator => {
	const stats = simulator.stats();
	return stats.completed + stats.incomplete;
};

/** For a phase of runs side by side with no one count: `label: 30 s of about 50 s` every `everyMs`. */
export function startHeartbeat({label, log, expectMs, everyMs = PROGRESS_EVERY_MS}) {
	const started = performance.now();
	const timer = setInterval(() => log(`${label}: ${((performance.now() - started) / 1000).toFixed(0)} s of about ${(expectMs / 1000).toFixed(0)} s`), everyMs);
	timer.unref();
	return () => clearInterval(timer);
}
