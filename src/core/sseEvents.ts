/**
 * Server-sent events read straight from a streamed response body, as the openai SDK's
 * `Stream` reads them (the same fields, line endings, `[DONE]` and error frames) but in
 * one pass over the text. The SDK's reader copies the rest of the buffer once for every
 * event it cuts off and scans it byte by byte in JavaScript: at zero latency, where a
 * whole reply arrives in one chunk, that was most of a run's CPU, more than pacer's own
 * work for the prompt (bench `overhead`).
 */
import OpenAI from 'openai';

/** One parsed `data:` payload, and the `event:` name it came under. */
export interface SseEvent {
	readonly event: string | null;
	readonly data: unknown;
}

/**
 * Each event's JSON in order. A payload that carries an `error` (the nested error frame)
 * is thrown as the SDK throws it: `APIError` with no status. A `[DONE]` ends the events;
 * an event the stream cut before its blank line is not one.
 */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
	if (!response.body) throw new OpenAI.OpenAIError('Attempted to iterate over a response with no body');
	const reader = response.body.getReader();
	const decoder = new TextDecoder();
	const frame = new FrameDecoder();
	let done = false;
	let finished = false;
	// One event at a time: an event that throws comes after the ones before it, as in the SDK.
	function* eventsOf(raws: RawEvent[]): Generator<SseEvent> {
		for (const raw of raws) {
			if (done) return;
			const event = parsed(raw, response.headers);
			if (event === DONE) done = true;
			else yield event;
		}
	}
	try {
		for (;;) {
			const {value, done: ended} = await reader.read();
			if (ended) break;
			yield* eventsOf(frame.push(decoder.decode(value, {stream: true})));
		}
		finished = true;
		yield* eventsOf(frame.push(decoder.decode(), true));
	} finally {
		// Left early (a failed response, an abort): let the connection go, as the SDK does.
		if (!finished) reader.cancel().catch(() => {});
		reader.releaseLock();
	}
}

const DONE = Symbol('done');

interface RawEvent {
	readonly event: string | null;
	readonly data: string;
}

function parsed(raw: RawEvent, headers: Headers): SseEvent | typeof DONE {
	if (raw.data.startsWith('[DONE]')) return DONE;
	const data = JSON.parse(raw.data) as {error?: unknown} | null;
	if (data && data.error) throw new OpenAI.APIError(undefined, data.error as object, undefined, headers);
	return {event: raw.event, data};
}

/**
 * Text in, whole events out: lines end with `\r\n`, `\n` or `\r`, a blank line ends an
 * event, `:` lines are comments, several `data:` lines join with `\n`.
 */
export class FrameDecoder {
	#text = '';
	#event: string | null = null;
	#data: string[] = [];

	/** The events that `text` completes; `atEnd` says no more text will come (a lone `\r` ends its line). */
	push(text: string, atEnd = false): RawEvent[] {
		const events: RawEvent[] = [];
		const all = this.#text + text;
		let start = 0;
		// Where the next `\r` is, looked up again only once passed: most streams have none.
		let cr = all.indexOf('\r');
		for (;;) {
			if (cr !== -1 && cr < start) cr = all.indexOf('\r', start);
			const lf = all.indexOf('\n', start);
			const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
			if (end === -1) break;
			let next = end + 1;
			if (end === cr) {
				// A `\r` at the very end may be the first half of `\r\n`: wait for the next text.
				if (next === all.length && !atEnd) break;
				if (all.charCodeAt(next) === 10) next++;
			}
			const event = this.#line(all.slice(start, end));
			if (event) events.push(event);
			start = next;
		}
		this.#text = all.slice(start);
		return events;
	}

	#line(line: string): RawEvent | null {
		if (line === '') {
			if (this.#event === null && this.#data.length === 0) return null;
			const event = {event: this.#event, data: this.#data.join('\n')};
			this.#event = null;
			this.#data = [];
			return event;
		}
		if (line.charCodeAt(0) === 58) return null;
		const colon = line.indexOf(':');
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? '' : line.slice(colon + 1);
		if (value.charCodeAt(0) === 32) value = value.slice(1);
		if (field === 'event') this.#event = value;
		else if (field === 'data') this.#data.push(value);
		return null;
	}
}
