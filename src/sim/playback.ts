/** Plays an admitted attempt onto the socket: a stream script frame by frame, or a JSON reply. */
import type {Attempt} from './attempt.js';
import type {Exchange} from './exchange.js';
import type {Generation} from './response.js';

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

/**
 * A 200 stream: headers after the TTFB, then the script; TPM is corrected to what was
 * produced, whether the stream ends, is cut, or the client gives up. `onCompleted` runs
 * when the script reached its end (not for a stall).
 */
export function playStream(
	exchange: Exchange,
	{plan, inputTokens, chargeActual, headers}: Attempt,
	script: {readonly steps: readonly StreamStep[]; readonly ending: StreamEnding; readonly producedTokens: number},
	onCompleted: () => void,
): void {
	exchange.onAbort(() => chargeActual(inputTokens + script.producedTokens));
	exchange.after(plan.ttfbMs, () => {
		exchange.writeHead(200, {...headers(), ...streamHeaders()});
		playSteps(exchange, script.steps, script.ending, () => {
			if (script.ending === 'stall') return;
			exchange.settle();
			chargeActual(inputTokens + script.producedTokens);
			onCompleted();
		});
	});
}

/**
 * A JSON reply after the whole generation's time, with the mid-response faults as they
 * look without streaming: `stall` never sends headers, `cut` hangs up halfway through the
 * body, `streamError` is a 500. `body` builds the reply; `onBilled` runs once it is sent.
 */
export function playJson(
	exchange: Exchange,
	{plan, inputTokens, chargeActual, headers}: Attempt,
	generation: Generation,
	reply: {readonly body: () => string; readonly onBilled: () => void; readonly serverError: () => void},
): void {
	const totalMs = plan.ttfbMs + (generation.reasoningTokens + generation.pieces.length) * plan.perTokenMs;
	if (plan.fault === 'stall') {
		// Headers never come; only the client's timeout or close() ends it.
		exchange.onAbort(() => chargeActual(inputTokens));
		return;
	}
	if (plan.fault === 'streamError') {
		exchange.after(totalMs, () => {
			chargeActual(inputTokens + generation.outputTokens);
			reply.serverError();
		});
		return;
	}
	exchange.onAbort(() => chargeActual(inputTokens));
	exchange.after(totalMs, () => {
		exchange.settle();
		const body = reply.body();
		chargeActual(inputTokens + generation.outputTokens);
		if (plan.fault === 'cut') {
			exchange.sendCutBody(body, plan.faultAt, headers());
			return;
		}
		reply.onBilled();
		exchange.sendBody(200, 'application/json', body, headers());
	});
}
