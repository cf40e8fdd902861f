/**
 * The run's jobs as a table of columns: one typed array per number, a row per job, and
 * sparse maps for what few jobs have (an error, a retried history, the text of a running
 * reply). An object per job, with its prompt and reply whole, cost the dashboard about
 * 3 KB a job at 100,000 jobs; a row here is a hundred bytes and two short previews.
 *
 * What a row does not keep: an ended job's whole reply and its request id (the results
 * file has them; the detail pane reads them back), and the history of a job that
 * succeeded at its first attempt (the row's own times say it all).
 */
import type {JobSnapshot} from '../core/runSink.js';
import type {AttemptInfo, ErrorInfo, JobStatus, Usage} from '../core/types.js';
import {Interner, preview, PREVIEW_CHARS, tail} from './preview.js';

/** A job as the dashboard shows it. */
export interface JobView extends JobSnapshot {
	/** `output` is the whole reply so far; false for an ended job, whose row keeps only the reply's start. */
	readonly outputWhole: boolean;
}

export type JobPatch = Partial<Omit<JobSnapshot, 'id'>>;

/** A running reply keeps at most its latest this many characters: the pane shows its last lines. */
export const LIVE_OUTPUT_CHARS = 16_384;

const STATUSES: readonly JobStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'skipped'];
const STATUS_CODE = new Map(STATUSES.map((status, i) => [status, i]));
const ENDED = new Set<JobStatus>(['succeeded', 'failed', 'cancelled', 'skipped']);

const TRUNCATED = 1;
const INPUT_TRUNCATED = 2;
const INPUT_SUMMARIZED = 4;
/** An ended job's reply was longer than the start its row keeps. */
const REPLY_CUT = 8;

/** What only a job under way has; dropped when it ends. */
interface Live {
	output: string;
	history: readonly AttemptInfo[] | null;
	condensing: JobSnapshot['condensing'];
	requestId: string | null;
}

const orNaN = (n: number | null | undefined) => (n == null ? NaN : n);
const orNull = (n: number) => (Number.isNaN(n) ? null : n);

function grown<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(array: T, capacity: number, fill?: number): T {
	const next = new (array.constructor as new (n: number) => T)(capacity);
	next.set(array);
	if (fill !== undefined) next.fill(fill, array.length);
	return next;
}

export class JobColumns {
	/** Ids in input order; appended in place, never copied. */
	readonly ids: string[] = [];
	readonly #rowOf = new Map<string, number>();
	readonly #models = new Interner();
	#line = new Int32Array(0);
	#status = new Uint8Array(0);
	#attempts = new Uint32Array(0);
	#model = new Uint16Array(0);
	#flags = new Uint8Array(0);
	#tokensIn = new Float64Array(0);
	#tokensOut = new Float64Array(0);
	#retryAt = new Float64Array(0);
	#startedAt = new Float64Array(0);
	#finishedAt = new Float64Array(0);
	#latencyMs = new Float64Array(0);
	#costUsd = new Float64Array(0);
	/** What the server billed, a column per count (NaN: no usage, or a count it did not give). */
	#usage = [new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0)];
	readonly #prompts: string[] = [];
	readonly #replies: string[] = [];
	readonly #errors = new Map<number, ErrorInfo>();
	readonly #histories = new Map<number, readonly AttemptInfo[]>();
	readonly #live = new Map<number, Live>();
	#longestLine = 0;
	#longestId = 2;

	get size(): number {
		return this.ids.length;
	}

	/** The longest line number and id so far: the table's column widths. */
	get longest(): {line: number; id: number} {
		return {line: this.#longestLine, id: this.#longestId};
	}

	has(id: string): boolean {
		return this.#rowOf.has(id);
	}

	status(id: string): JobStatus | undefined {
		const row = this.#rowOf.get(id);
		return row === undefined ? undefined : STATUSES[this.#status[row]];
	}

	/**
	 * A new job (true); a job already here takes the snapshot as a change (false), and the
	 * status it left is returned through `left` for the counters.
	 */
	add(job: JobSnapshot): {added: boolean; left: JobStatus | null} {
		const existing = this.#rowOf.get(job.id);
		if (existing !== undefined) {
			const {id: _id, ...change} = job;
			return {added: false, left: this.update(job.id, change)};
		}
		const row = this.ids.length;
		if (row === this.#line.length) this.#grow(Math.max(1024, row * 2));
		this.ids.push(job.id);
		this.#rowOf.set(job.id, row);
		this.#line[row] = job.line;
		this.#prompts.push(preview(job.text));
		this.#replies.push('');
		this.#longestLine = Math.max(this.#longestLine, job.line);
		this.#longestId = Math.max(this.#longestId, job.id.length);
		this.#status[row] = STATUS_CODE.get('queued')!;
		this.#write(row, job);
		return {added: true, left: null};
	}

	/** Apply a change; returns the status the job left, or null when its status stayed. */
	update(id: string, patch: JobPatch): JobStatus | null {
		const row = this.#rowOf.get(id);
		if (row === undefined) return null;
		const before = STATUSES[this.#status[row]];
		this.#write(row, patch);
		const after = STATUSES[this.#status[row]];
		return after === before ? null : before;
	}

	/** Streamed text of a running job; returns false for a job not here. */
	appendOutput(id: string, text: string, tokens: number): boolean {
		const row = this.#rowOf.get(id);
		if (row === undefined) return false;
		this.#tokensOut[row] += tokens;
		if (text) {
			const live = this.#liveOf(row);
			const output = live.output + text;
			live.output = output.length > LIVE_OUTPUT_CHARS * 2 ? tail(output, LIVE_OUTPUT_CHARS) : output;
		}
		return true;
	}

	/** The job as one object, made now from its row (for the few rows on screen, not for all). */
	get(id: string): JobView | undefined {
		const row = this.#rowOf.get(id);
		return row === undefined ? undefined : this.#view(row);
	}

	*values(): IterableIterator<JobView> {
		for (let row = 0; row < this.ids.length; row++) yield this.#view(row);
	}

	/** Ids whose id or prompt (its first `PREVIEW_CHARS`) contains `needle`, lower-cased. */
	matching(needle: string): string[] {
		const found: string[] = [];
		for (let row = 0; row < this.ids.length; row++) {
			const id = this.ids[row];
			if (id.toLowerCase().includes(needle) || this.#prompts[row].toLowerCase().includes(needle)) found.push(id);
		}
		return found;
	}

	/** Of `ids`, those whose status is `status`: a byte compare a row. */
	withStatus(ids: readonly string[], status: JobStatus): string[] {
		const code = STATUS_CODE.get(status);
		const found: string[] = [];
		if (ids === this.ids) {
			for (let row = 0; row < ids.length; row++) if (this.#status[row] === code) found.push(ids[row]);
		} else {
			for (const id of ids) if (this.#status[this.#rowOf.get(id) ?? -1] === code) found.push(id);
		}
		return found;
	}

	#grow(capacity: number): void {
		this.#line = grown(this.#line, capacity);
		this.#status = grown(this.#status, capacity);
		this.#attempts = grown(this.#attempts, capacity);
		this.#model = grown(this.#model, capacity);
		this.#flags = grown(this.#flags, capacity);
		this.#tokensIn = grown(this.#tokensIn, capacity, NaN);
		this.#tokensOut = grown(this.#tokensOut, capacity);
		this.#retryAt = grown(this.#retryAt, capacity, NaN);
		this.#startedAt = grown(this.#startedAt, capacity, NaN);
		this.#finishedAt = grown(this.#finishedAt, capacity, NaN);
		this.#latencyMs = grown(this.#latencyMs, capacity, NaN);
		this.#costUsd = grown(this.#costUsd, capacity, NaN);
		this.#usage = this.#usage.map(column => grown(column, capacity, NaN));
	}

	#setUsage(row: number, usage: Usage | null): void {
		const counts = usage ? [usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.cached_tokens, usage.reasoning_tokens] : [];
		this.#usage.forEach((column, i) => (column[row] = orNaN(counts[i])));
	}

	#usageOf(row: number): Usage | null {
		const [input, output, total, cached, reasoning] = this.#usage.map(column => column[row]);
		if (Number.isNaN(input)) return null;
		return {
			input_tokens: input,
			output_tokens: output,
			total_tokens: total,
			...(Number.isNaN(cached) ? {} : {cached_tokens: cached}),
			...(Number.isNaN(reasoning) ? {} : {reasoning_tokens: reasoning}),
		};
	}

	#liveOf(row: number): Live {
		let live = this.#live.get(row);
		if (!live) {
			live = {output: '', history: null, condensing: null, requestId: null};
			this.#live.set(row, live);
		}
		return live;
	}

	#setFlag(row: number, flag: number, on: boolean): void {
		this.#flags[row] = on ? this.#flags[row] | flag : this.#flags[row] & ~flag;
	}

	#write(row: number, patch: JobPatch): void {
		if (patch.line !== undefined) this.#line[row] = patch.line;
		if (patch.text !== undefined) this.#prompts[row] = preview(patch.text);
		if (patch.model !== undefined) this.#model[row] = this.#models.number(patch.model);
		if (patch.attempts !== undefined) this.#attempts[row] = patch.attempts;
		if (patch.retryAt !== undefined) this.#retryAt[row] = orNaN(patch.retryAt);
		if (patch.tokensIn !== undefined) this.#tokensIn[row] = orNaN(patch.tokensIn);
		if (patch.tokensOut !== undefined) this.#tokensOut[row] = patch.tokensOut;
		if (patch.startedAt !== undefined) this.#startedAt[row] = orNaN(patch.startedAt);
		if (patch.finishedAt !== undefined) this.#finishedAt[row] = orNaN(patch.finishedAt);
		if (patch.latencyMs !== undefined) this.#latencyMs[row] = orNaN(patch.latencyMs);
		if (patch.costUsd !== undefined) this.#costUsd[row] = orNaN(patch.costUsd);
		if (patch.usage !== undefined) this.#setUsage(row, patch.usage);
		if (patch.truncated !== undefined) this.#setFlag(row, TRUNCATED, patch.truncated);
		if (patch.inputTruncated !== undefined) this.#setFlag(row, INPUT_TRUNCATED, patch.inputTruncated);
		if (patch.inputSummarized !== undefined) this.#setFlag(row, INPUT_SUMMARIZED, patch.inputSummarized);
		if (patch.error !== undefined) {
			if (patch.error) this.#errors.set(row, patch.error);
			else this.#errors.delete(row);
		}
		const status = patch.status ?? STATUSES[this.#status[row]];
		if (ENDED.has(status)) {
			this.#status[row] = STATUS_CODE.get(status)!;
			this.#ended(row, patch);
			return;
		}
		if (patch.status !== undefined) this.#status[row] = STATUS_CODE.get(patch.status)!;
		if (patch.output !== undefined || patch.history !== undefined || patch.condensing !== undefined || patch.requestId !== undefined) {
			const live = this.#liveOf(row);
			if (patch.output !== undefined) live.output = tail(patch.output, LIVE_OUTPUT_CHARS);
			if (patch.history !== undefined) live.history = patch.history;
			if (patch.condensing !== undefined) live.condensing = patch.condensing;
			if (patch.requestId !== undefined) live.requestId = patch.requestId;
		}
		if (patch.status === 'queued') {
			this.#replies[row] = '';
			this.#setFlag(row, REPLY_CUT, false);
		}
	}

	/** An ended job keeps the start of its reply and a history its row cannot tell; the rest goes. */
	#ended(row: number, patch: JobPatch): void {
		const live = this.#live.get(row);
		const output = patch.output ?? live?.output;
		if (output !== undefined) {
			this.#replies[row] = preview(output);
			this.#setFlag(row, REPLY_CUT, output.length > PREVIEW_CHARS);
		}
		const history = patch.history ?? live?.history ?? this.#histories.get(row) ?? null;
		if (history && history.length > 0 && !this.#tellsItself(row, history)) this.#histories.set(row, history);
		else this.#histories.delete(row);
		this.#live.delete(row);
	}

	/** One plain successful attempt whose times are the row's own: nothing to keep. */
	#tellsItself(row: number, history: readonly AttemptInfo[]): boolean {
		if (history.length !== 1 || this.#attempts[row] !== 1) return false;
		const only = history[0];
		return only.error == null && only.waitMs == null && only.call === undefined && only.usage === undefined && only.outcome === this.#plainOutcome(row) && only.startedAt === this.#startedAt[row] && only.endedAt - only.startedAt === this.#latencyMs[row];
	}

	#plainOutcome(row: number): AttemptInfo['outcome'] | null {
		if (STATUSES[this.#status[row]] !== 'succeeded') return null;
		return this.#flags[row] & TRUNCATED ? 'truncated' : 'succeeded';
	}

	#history(row: number): readonly AttemptInfo[] {
		const kept = this.#live.get(row)?.history ?? this.#histories.get(row);
		if (kept) return kept;
		const outcome = this.#plainOutcome(row);
		const startedAt = this.#startedAt[row];
		const latency = this.#latencyMs[row];
		if (outcome == null || this.#attempts[row] !== 1 || Number.isNaN(startedAt) || Number.isNaN(latency)) return [];
		return [{n: 1, startedAt, endedAt: startedAt + latency, outcome, error: null, waitMs: null}];
	}

	#view(row: number): JobView {
		const live = this.#live.get(row);
		const status = STATUSES[this.#status[row]];
		const flags = this.#flags[row];
		return {
			id: this.ids[row],
			line: this.#line[row],
			text: this.#prompts[row],
			model: this.#models.string(this.#model[row]),
			status,
			attempts: this.#attempts[row],
			retryAt: orNull(this.#retryAt[row]),
			tokensIn: orNull(this.#tokensIn[row]),
			tokensOut: this.#tokensOut[row],
			usage: this.#usageOf(row),
			output: live ? live.output : this.#replies[row],
			outputWhole: !ENDED.has(status) ? (live?.output.length ?? 0) < LIVE_OUTPUT_CHARS : (flags & REPLY_CUT) === 0,
			truncated: (flags & TRUNCATED) !== 0,
			inputTruncated: (flags & INPUT_TRUNCATED) !== 0,
			inputSummarized: (flags & INPUT_SUMMARIZED) !== 0,
			condensing: live?.condensing ?? null,
			error: this.#errors.get(row) ?? null,
			history: this.#history(row),
			startedAt: orNull(this.#startedAt[row]),
			finishedAt: orNull(this.#finishedAt[row]),
			latencyMs: orNull(this.#latencyMs[row]),
			requestId: live?.requestId ?? null,
			costUsd: orNull(this.#costUsd[row]),
		};
	}
}
