/** Counters for tests and benchmarks; O(1) per request. */
import {ATTEMPT_FAULTS} from './faults.js';
import type {FaultName, SimSecond, SimStats} from './types.js';

const SECONDS_KEPT = 600;

interface MutableSecond {
	second: number;
	requests: number;
	admitted: number;
	rateLimited: number;
}

function emptyFaults(): Record<FaultName, number> {
	const faults = {badRequest: 0} as Record<FaultName, number>;
	for (const name of ATTEMPT_FAULTS) faults[name] = 0;
	return faults;
}

export class StatsRecorder {
	#stats!: Omit<SimStats, 'perSecond'>;
	#seconds: MutableSecond[] = [];

	constructor() {
		this.reset();
	}

	reset(): void {
		const inFlight = this.#stats?.inFlight ?? 0;
		this.#stats = {
			requests: 0,
			byStatus: {},
			rateLimited: 0,
			rateLimitedRequests: 0,
			rateLimitedTokens: 0,
			tooLarge: 0,
			faults: emptyFaults(),
			tokensIn: 0,
			tokensOut: 0,
			completed: 0,
			incomplete: 0,
			inFlight,
			maxInFlight: inFlight,
			since: Date.now(),
		};
		this.#seconds = [];
	}

	#second(now: number): MutableSecond {
		const second = Math.floor(now / 1000);
		let last = this.#seconds.at(-1);
		if (!last || last.second !== second) {
			last = {second, requests: 0, admitted: 0, rateLimited: 0};
			this.#seconds.push(last);
			if (this.#seconds.length > SECONDS_KEPT) this.#seconds.shift();
		}
		return last;
	}

	requestStarted(now: number): void {
		const s = this.#stats;
		s.requests++;
		s.inFlight++;
		if (s.inFlight > s.maxInFlight) s.maxInFlight = s.inFlight;
		this.#second(now).requests++;
	}

	requestEnded(): void {
		this.#stats.inFlight = Math.max(0, this.#stats.inFlight - 1);
	}

	status(status: number): void {
		const key = String(status);
		this.#stats.byStatus[key] = (this.#stats.byStatus[key] ?? 0) + 1;
	}

	admitted(now: number): void {
		this.#second(now).admitted++;
	}

	rateLimited(dimension: 'requests' | 'tokens', now: number): void {
		this.#stats.rateLimited++;
		if (dimension === 'requests') this.#stats.rateLimitedRequests++;
		else this.#stats.rateLimitedTokens++;
		this.#second(now).rateLimited++;
	}

	tooLarge(): void {
		this.#stats.tooLarge++;
	}

	fault(name: FaultName): void {
		this.#stats.faults[name]++;
	}

	billed(inputTokens: number, outputTokens: number, terminal: 'completed' | 'incomplete' | 'failed'): void {
		this.#stats.tokensIn += inputTokens;
		this.#stats.tokensOut += outputTokens;
		if (terminal === 'completed') this.#stats.completed++;
		else if (terminal === 'incomplete') this.#stats.incomplete++;
	}

	snapshot(): SimStats {
		const s = this.#stats;
		const perSecond: SimSecond[] = this.#seconds.map((second) => ({...second}));
		return {...s, byStatus: {...s.byStatus}, faults: {...s.faults}, perSecond};
	}
}
