/**
 * The engine's thread collects its garbage while it is small. Streaming replies make a lot
 * of it, and much lives just long enough (a reply's second or two) to reach the old
 * generation, which V8 then lets grow to several times what is alive before it collects:
 * measured at 100,000 jobs, 40 MB alive in a heap of 145 MB, rising all run. A full
 * collection here every couple of seconds, when the heap has grown well past what the last
 * one left, holds it near what is alive (about 70 MB) for a few ms of this thread, never of
 * the render thread's.
 */
import {getHeapStatistics, setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';

/** How often the heap is looked at. */
const CHECK_MS = 2000;
/** A collection is worth it once the heap holds this much more than the last one left... */
const GROWTH = 1.5;
/** ...and at least this many bytes more (a small heap is left to V8). */
const SLACK_BYTES = 16 << 20;

/** Start trimming; returns the stop. */
export function trimHeap(): () => void {
	// The one way to a full collection from code: expose it, then take it from a new context.
	setFlagsFromString('--expose-gc');
	const collect = runInNewContext('gc') as () => void;
	let left = getHeapStatistics().used_heap_size;
	const timer = setInterval(() => {
		const used = getHeapStatistics().used_heap_size;
		if (used < left * GROWTH + SLACK_BYTES) return;
		collect();
		left = getHeapStatistics().used_heap_size;
	}, CHECK_MS);
	timer.unref();
	return () => clearInterval(timer);
}
