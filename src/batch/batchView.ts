/**
 * What a Batch API run tells its sink about jobs: each queued at the start, running once
 * its batch exists, then what its record says, with the cost at the batch price (a
 * `--then-live` record at the live one).
 */
import {costUsd, type Price} from '../core/prices.js';
import {queuedSnapshot, type JobChange, type JobSnapshot, type RunTotals} from '../core/runSink.js';
import type {ResultRecord} from '../core/types.js';
import type {BatchJobFacts} from './batchRecords.js';
import type {BatchRow} from './batchRow.js';
import type {Batch} from './poll.js';
import type {PartState} from './stateFile.js';
import type {BatchJobRequest} from './requestLines.js';

export function jobFacts(job: BatchJobRequest): BatchJobFacts {
	return {id: job.spec.id, line: job.spec.line, model: job.request.model, api: job.api, ...(job.spec.inputTruncated ? {inputTruncated: true} : {})};
}

export function queuedViews(jobs: readonly BatchJobRequest[]): JobSnapshot[] {
	return jobs.map(job => queuedSnapshot({id: job.spec.id, line: job.spec.line, text: job.spec.text, model: job.request.model, tokensIn: job.estimateIn, inputTruncated: job.spec.inputTruncated}));
}

function costOf(record: ResultRecord, price: (model: string) => Price | null, batch: boolean): number | null {
	if (!record.usage) return null;
	const p = price(record.model);
	return p ? costUsd(record.usage, p, {batch}) : null;
}

export function changeOf(record: ResultRecord, price: (model: string) => Price | null, batch: boolean): JobChange {
	const usage = record.usage;
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
		finishedAt: Date.parse(record.finished_at),
		requestId: record.request_id,
		costUsd: costOf(record, price, batch),
	};
}

export function batchTotals(record: ResultRecord, price: (model: string) => Price | null, batch: boolean): Partial<RunTotals> {
	const usage = record.usage;
	const cost = costOf(record, price, batch);
	return {
		attempts: record.attempts,
		tokensIn: usage?.input_tokens ?? 0,
		tokensOut: usage?.output_tokens ?? 0,
		cachedTokens: usage?.cached_tokens ?? 0,
		reasoningTokens: usage?.reasoning_tokens ?? 0,
		truncated: record.truncated ? 1 : 0,
		costUsd: cost ?? 0,
		unpricedJobs: usage && cost === null ? 1 : 0,
	};
}

/** The parts as the dashboard's rows; `progress` holds the provider's latest request counts. */
export function rowsOf(parts: readonly PartState[], progress: ReadonlyMap<number, {completed: number; failed: number}>): BatchRow[] {
	return parts.map(part => ({
		part: part.part,
		parts: parts.length,
		firstLine: part.firstLine,
		lastLine: part.lastLine,
		requests: part.requests,
		fileId: part.fileId,
		batchId: part.batchId,
		status: part.status,
		completed: progress.get(part.part)?.completed ?? 0,
		failed: progress.get(part.part)?.failed ?? 0,
		createdAt: part.createdAt,
		endedAt: part.endedAt,
		note: part.note,
	}));
}

/** Why a batch ended other than completed, in plain words. */
export function noteOf(batch: Batch): string | null {
	switch (batch.status) {
		case 'failed':
			return `failed validation: ${batch.errors?.data?.[0]?.message ?? 'no reason given'}`;
		case 'expired':
			return 'the 24 h window closed';
		case 'cancelled':
			return 'cancelled';
		default:
			return null;
	}
}
