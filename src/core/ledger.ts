/**
 * The run's own books: how many jobs are in each status and what the whole run spent.
 * The engine keeps them as it goes (no sink is asked), and the summary is made from them.
 */
import type {BudgetLimits} from './budget.js';
import type {RunTotals, StatusCounts} from './runSink.js';
import type {ApiName, ErrorKind, JobStatus} from './types.js';

export interface RunSummary {
	readonly total: number;
	readonly succeeded: number;
	readonly failed: number;
	readonly cancelled: number;
	readonly skipped: number;
	readonly truncated: number;
	readonly attempts: number;
	readonly retries: number;
	readonly rateLimited: number;
	readonly tokensIn: number;
	readonly tokensOut: number;
	readonly cachedTokens: number;
	readonly reasoningTokens: number;
	/** USD, null when no job had a known price. */
	readonly costUsd: number | null;
	readonly costComplete: boolean;
	readonly wallMs: number;
	readonly stopReason: string | null;
	/** What stopped the run (`quota`, `auth`, `not_found`, `connection`; `cancelled` for a user or a signal). */
	readonly stopKind: ErrorKind | null;
	readonly budget: {tokens: number | null; usd: number | null; spentTokens: number; spentUsd: number} | null;
	/** The API the run's attempts went to (`both` for a file mixing Batch urls); null before any attempt. */
	readonly api: ApiName | 'both' | null;
	/** What the client decided about the API (the `auto` switch to chat), or null. */
	readonly apiNote: string | null;
	/**
	 * Prompts condensed (`--on-long summarize`) and their condensing calls: tokens and cost,
	 * which `tokensIn`, `tokensOut` and `costUsd` include.
	 */
	readonly summarized: {readonly prompts: number; readonly calls: number; readonly tokensIn: number; readonly tokensOut: number; readonly costUsd: number | null};
}

export const emptyCounts = (): StatusCounts => ({queued: 0, running: 0, waiting: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0});

export const emptyTotals: RunTotals = {
	tokensIn: 0,
	tokensOut: 0,
	cachedTokens: 0,
	reasoningTokens: 0,
	attempts: 0,
	retries: 0,
	rateLimited: 0,
	truncated: 0,
	costUsd: 0,
	unpricedJobs: 0,
	summarized: 0,
	summaryCalls: 0,
	summaryTokensIn: 0,
	summaryTokensOut: 0,
	summaryCostUsd: 0,
};

export class RunLedger {
	readonly #counts: StatusCounts = emptyCounts();
	#totals: RunTotals = emptyTotals;
	readonly #apis = new Set<ApiName>();

	/** An attempt went to `api`. */
	usedApi(api: ApiName): void {
		this.#apis.add(api);
	}

	/** `n` new jobs, all queued. */
	added(n: number): void {
		this.#counts.queued += n;
	}

	moved(from: JobStatus, to: JobStatus): void {
		if (from === to) return;
		this.#counts[from]--;
		this.#counts[to]++;
	}

	add(delta: Partial<RunTotals>): RunTotals {
		const totals = {...this.#totals} as Record<keyof RunTotals, number>;
		for (const [key, value] of Object.entries(delta) as Array<[keyof RunTotals, number]>) totals[key] += value;
		this.#totals = totals;
		return this.#totals;
	}

	get counts(): Readonly<StatusCounts> {
		return this.#counts;
	}

	get totals(): RunTotals {
		return this.#totals;
	}

	summary(facts: {
		total: number;
		wallMs: number;
		stopReason: string | null;
		stopKind: ErrorKind | null;
		budget: {limits: BudgetLimits; spentTokens: number; spentUsd: number} | null;
		apiNote?: string | null;
	}): RunSummary {
		const counts = this.#counts;
		const totals = this.#totals;
		return {
			total: facts.total,
			succeeded: counts.succeeded,
			failed: counts.failed,
			cancelled: counts.cancelled,
			skipped: counts.skipped,
			truncated: totals.truncated,
			attempts: totals.attempts,
			retries: totals.retries,
			rateLimited: totals.rateLimited,
			tokensIn: totals.tokensIn,
			tokensOut: totals.tokensOut,
			cachedTokens: totals.cachedTokens,
			reasoningTokens: totals.reasoningTokens,
			costUsd: totals.unpricedJobs > 0 && totals.costUsd === 0 ? null : totals.costUsd,
			costComplete: totals.unpricedJobs === 0,
			wallMs: facts.wallMs,
			stopReason: facts.stopReason,
			stopKind: facts.stopKind,
			budget: facts.budget
				? {
						tokens: facts.budget.limits.tokens ?? null,
						usd: facts.budget.limits.usd ?? null,
						spentTokens: facts.budget.spentTokens,
						spentUsd: facts.budget.spentUsd,
					}
				: null,
			api: this.#apis.size > 1 ? 'both' : ([...this.#apis][0] ?? null),
			apiNote: facts.apiNote ?? null,
			summarized: {
				prompts: totals.summarized,
				calls: totals.summaryCalls,
				tokensIn: totals.summaryTokensIn,
				tokensOut: totals.summaryTokensOut,
				costUsd: totals.summaryCalls > 0 && totals.summaryCostUsd === 0 && totals.unpricedJobs > 0 ? null : totals.summaryCostUsd,
			},
		};
	}
}
