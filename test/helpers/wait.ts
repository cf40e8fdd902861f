/**
 * The one way tests wait for something in real time: poll until it holds, and throw when
 * the time is up, saying what was awaited (and, when given, what was seen instead). A
 * wait that ends quietly would let the test go on to check nothing.
 */

export interface WaitOptions {
	/** @default 5000 */
	readonly timeoutMs?: number;
	/** @default 10 */
	readonly everyMs?: number;
	/** What the state was when the time ran out, for the error message. */
	readonly seen?: () => string;
}

export class WaitTimeoutError extends Error {
	override readonly name = 'WaitTimeoutError';
}

export function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Resolves with the first value of `probe` that is not undefined, null or false; rejects
 * with a WaitTimeoutError naming `what` after `timeoutMs`.
 */
export async function waitUntil<T>(probe: () => T | undefined | null | false, what: string, options: WaitOptions = {}): Promise<T> {
	const timeoutMs = options.timeoutMs ?? 5000;
	const end = performance.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined && value !== null && value !== false) return value;
		if (performance.now() > end) {
			const seen = options.seen ? `; instead:\n${options.seen()}` : '';
			throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
		}
		await delay(options.everyMs ?? 10);
	}
}
