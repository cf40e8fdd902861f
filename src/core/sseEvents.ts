/**
 * Server-sent events read straight from a streamed response body, as the openai SDK's
 * `Stream` reads them (the same payloads, `[DONE]` and error frames) but framed by
 * eventsource-parser in one pass over the text. The SDK's own reader copies the rest of the
 * buffer once for every event it cuts off and scans it byte by byte in JavaScript: at zero
 * latency, where a whole reply arrives in one chunk, that was most of a run's CPU, more than
 * pacer's own work for the prompt (bench `overhead`).
 */
import {createParser} from 'eventsource-parser';
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
	let raws: RawEvent[] = [];
	const parser = createParser({onEvent: message => raws.push({event: message.event ?? null, data: message.data})});
	// The parser holds a CR at the end of what it was fed (it may be half of a CRLF).
	let endsInCr = false;
	const framed = (text: string): RawEvent[] => {
		if (text) {
			parser.feed(text);
			endsInCr = text.charCodeAt(text.length - 1) === 13;
		}
		const complete = raws;
		raws = [];
		return complete;
	};
	let done = false;
	let finished = false;
	// One event at a time: an event that throws comes after the ones before it, as in the SDK.
	function* eventsOf(complete: RawEvent[]): Generator<SseEvent> {
		for (const raw of complete) {
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
			yield* eventsOf(framed(decoder.decode(value, {stream: true})));
		}
		finished = true;
		yield* eventsOf(framed(decoder.decode()));
		// At the end a CR held back is a line end: an LF makes it one CRLF, whole.
		if (endsInCr) yield* eventsOf(framed('\n'));
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
