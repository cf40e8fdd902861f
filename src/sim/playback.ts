/** Plays a stream script onto the socket: each frame when it is due, then the ending. */
import type {Exchange} from './exchange.js';

export interface StreamStep {
	/** ms after the headers. */
	readonly at: number;
	readonly data: string;
}

/** How the socket ends after the last step: properly, never, or torn down. */
export type StreamEnding = 'end' | 'stall' | 'cut';

/** Smallest gap between two writes of a stream; closer frames share a write. */
const MIN_TICK_MS = 8;

/** `onFinished` runs once the last step is due, before the ending is written. */
export function playSteps(exchange: Exchange, steps: readonly StreamStep[], ending: StreamEnding, onFinished: () => void): void {
	const startedAt = performance.now();
	let next = 0;
	const tick = (): void => {
		const elapsed = performance.now() - startedAt;
		let chunk = '';
		while (next < steps.length && steps[next].at <= elapsed + MIN_TICK_MS / 2) chunk += steps[next++].data;
		if (next < steps.length) {
			if (chunk) exchange.res.write(chunk);
			exchange.after(Math.max(MIN_TICK_MS, steps[next].at - elapsed), tick);
			return;
		}
		onFinished();
		if (ending === 'end') {
			exchange.res.end(chunk);
		} else if (ending === 'cut') {
			// Only hang up once the partial stream has reached the socket.
			if (chunk) exchange.res.write(chunk, () => exchange.destroy());
			else exchange.destroy();
		} else if (chunk) {
			exchange.res.write(chunk);
		}
	};
	tick();
}

/** The headers of a 200 event stream. */
export function streamHeaders(): Record<string, string> {
	return {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache'};
}
