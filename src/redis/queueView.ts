/**
 * What the collector tells a run sink: the shared queue's prompts as jobs of a run, each
 * finished one from the record a worker handed back. The collector sees no stream, only
 * when a job became active and its record, so a job shows `queued`, `running`, then its
 * ending, and the record carries the rest.
 */
import {queuedSnapshot, type JobChange, type JobSnapshot, type RunTotals} from '../core/runSink.js';
import type {ErrorKind, JobSpec, ResultRecord} from '../core/types.js';
import {costUsd, priceFor} from '../core/prices.js';

export function queuedView(spec: JobSpec): JobSnapshot {
	return queuedSnapshot({id: spec.id, line: spec.line, text: spec.text, model: spec.model ?? '', tokensIn: null, inputTruncated: spec.inputTruncated});
}

/** A record as the change it makes to its job's view. */
export function changeFromRecord(record: ResultRecord): JobChange {
	const usage = record.usage;
	const price = usage ? priceFor(record.model) : null;
	return {
		status: record.status,
		attempts: record.attempts,
		retryAt: null,
		usage,
		tokensIn: usage?.input_tokens ?? null,
		tokensOut: usage?.output_tokens ?? 0,
		output: record.output ?? '',
		truncated: record.truncated,
		error: record.error ? {...record.error, retryable: false, retryAfterMs: null} : null,
		startedAt: record.started_at ? Date.parse(record.started_at) : null,
		finishedAt: Date.parse(record.finished_at),
		latencyMs: record.latency_ms,
		requestId: record.request_id,
		costUsd: usage && price ? costUsd(usage, price) : null,
	};
}

/** A record the collector writes itself: the queue gave up on the prompt, or it was cancelled before any worker took it. */
export function collectorRecord(spec: JobSpec, status: 'failed' | 'cancelled', error: {kind: ErrorKind; code: string; message: string}): ResultRecord {
	return {
		id: spec.id,
		line: spec.line,
		status,
		output: null,
		truncated: false,
		error: {...error, status: null},
		attempts: 0,
		usage: null,
		model: spec.model ?? '',
		latency_ms: null,
		started_at: null,
		finished_at: new Date().toISOString(),
		request_id: null,
	};
}

/** What a written record adds to the run's totals. */
export function totalsFromRecord(record: ResultRecord): Partial<RunTotals> {
	const usage = record.usage;
	const price = usage ? priceFor(record.model) : null;
	return {
		attempts: record.attempts,
		retries: Math.max(0, record.attempts - 1),
		tokensIn: usage?.input_tokens ?? 0,
		tokensOut: usage?.output_tokens ?? 0,
		truncated: record.truncated ? 1 : 0,
		costUsd: usage && price ? costUsd(usage, price) : 0,
		unpricedJobs: usage && !price ? 1 : 0,
	};
}
