/**
 * A batch on a shared queue: BullMQ, one queue job per prompt. What crosses machines is
 * data (the prompt, already carrying the batch's model, cap and instructions), never a
 * closure; what comes back is the record a local run would write, and who made it.
 *
 * BullMQ and not Redis Streams: leases (job locks), stalled-job recovery and the atomic
 * moves between wait, active and completed are BullMQ's Lua, read and tested there; on
 * Streams, pacer would have to write the claim-and-retry loop (XAUTOCLAIM, a dead-letter
 * count, idempotent adds) itself. Idempotent adds come with BullMQ's custom job ids.
 */
import type {JobSpec, ResultRecord} from '../core/types.js';

export interface QueueJobData {
	readonly spec: JobSpec;
}

export interface QueueJobResult {
	readonly record: ResultRecord;
	/** `host:pid` of the worker that ran it. */
	readonly worker: string;
}

/** BullMQ's name for every pacer job in a queue. */
export const JOB_NAME = 'prompt';

/** BullMQ refuses `:` in queue names and job ids: pacer says so before anything is sent. */
export function checkQueueName(name: string): string | null {
	if (!name || name.includes(':')) return `--queue ${JSON.stringify(name)}: a queue name must be non-empty and cannot contain ":"`;
	return null;
}

/** The queue and the prompt's id: running the same file again adds nothing twice. */
export function queueJobId(queue: string, id: string): string {
	return `${queue}/${encodeURIComponent(id)}`;
}

/**
 * Queue job ids the collector cancelled while a worker may hold them: the worker drops
 * them (sends nothing, or aborts the request under way).
 */
export function cancelledKey(queue: string): string {
	return `pacer:cancelled:{${queue}}`;
}

/** A retried prompt goes in under a new job id (BullMQ would drop the same id as a duplicate). */
export function retryJobId(queue: string, id: string, attempt: number): string {
	return `${queueJobId(queue, id)}#retry-${attempt}-${Date.now().toString(36)}`;
}

/** The defaults of the batch written into each prompt, so every worker sends what the collector would. */
export function specForQueue(spec: JobSpec, batch: {model: string; maxOutputTokens: number; instructions?: string}): JobSpec {
	return {
		...spec,
		model: spec.model ?? batch.model,
		maxOutputTokens: spec.maxOutputTokens ?? batch.maxOutputTokens,
		...(spec.instructions == null && batch.instructions != null ? {instructions: batch.instructions} : {}),
	};
}

/** A completed event's return value: JSON text, or already an object. */
export function parseJobResult(value: unknown): QueueJobResult | null {
	if (typeof value === 'string') {
		try {
			return JSON.parse(value) as QueueJobResult;
		} catch {
			return null;
		}
	}
	return (value as QueueJobResult | null) ?? null;
}
