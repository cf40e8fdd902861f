/**
 * The engine's timing on a manual clock: retry-after, backoff with jitter and smooth
 * pacing, through the real openai SDK against a real server on loopback. The clock moves
 * only between replies, so a reply takes no time on it and every time read here is exact;
 * minutes of a run take milliseconds of real time.
 */
import {afterEach, describe, expect, test} from 'vitest';
import type {BackoffOptions} from '../../src/core/backoff.js';
import {createRunStore, type RunStore} from '../../src/store/runStore.js';
import {storeSink} from '../../src/store/storeSink.js';
import {ResponsesClient} from '../../src/core/responsesClient.js';
import {ManualClock} from '../../src/core/clock.js';
import {Engine, type EngineEvent, type EngineOptions, type RunSummary} from '../../src/core/engine.js';
import type {AttemptInfo, JobSpec} from '../../src/core/types.js';
import {startSimulator, type Simulator} from '../../src/sim/index.js';
import {advanceUntil} from '../helpers/manualTime.js';
import {startScriptedServer, type ScriptedAnswer, type ScriptedServer} from '../helpers/scriptedServer.js';

const servers: Array<Simulator | ScriptedServer> = [];
const engines: Engine[] = [];
afterEach(async () => {
	for (const engine of engines.splice(0)) {
		await engine.stop({abort: true});
		engine.close();
	}
	await Promise.all(servers.splice(0).map(server => server.close()));
});

const jobs = (n: number): JobSpec[] => Array.from({length: n}, (_, i) => ({id: `j${i + 1}`, line: i + 1, input: `question ${i + 1}`, text: `question ${i + 1}`}));

/** A simulator that answers at once and enforces no limits of its own. */
async function simulator(faults: Record<string, number> = {}): Promise<Simulator> {
	const sim = await startSimulator({latencyScale: 0, rpm: Number.POSITIVE_INFINITY, tpm: Number.POSITIVE_INFINITY, faults});
	servers.push(sim);
	return sim;
}

async function scripted(clock: ManualClock, answer: (n: number) => ScriptedAnswer): Promise<ScriptedServer> {
	const server = await startScriptedServer({answer, now: () => clock.now()});
	servers.push(server);
	return server;
}

interface ClockRun {
	readonly engine: Engine;
	readonly store: RunStore;
	readonly events: EngineEvent[];
	/** Moves the clock until every job has ended; resolves with the summary. */
	finish(): Promise<RunSummary>;
	history(id: string): readonly AttemptInfo[];
}

function startRun(clock: ManualClock, baseURL: string, specs: readonly JobSpec[], options: Partial<EngineOptions> = {}): ClockRun {
	const events: EngineEvent[] = [];
	const store = createRunStore();
	const engine = new Engine(specs, {
		client: new ResponsesClient({apiKey: 'sk-clock-test', baseURL}),
		clock,
		sink: storeSink(store),
		concurrency: 4,
		onEvent: event => events.push(event),
		...options,
	});
	engines.push(engine);
	let summary: RunSummary | null = null;
	const running = engine.run().then(s => (summary = s));
	const state = () => store.getState();
	return {
		engine,
		store,
		events,
		async finish() {
			await advanceUntil(clock, () => summary !== null, 'every job to end', {
				busy: () => state().counts.running > 0,
				seen: () => JSON.stringify(state().counts),
			});
			return running;
		},
		history: id => state().jobs.get(id)!.history,
	};
}

/** A seeded source in [0, 1), so a failure replays. */
function seededRandom(seed: number): () => number {
	let s = seed;
	return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('a 429 storm with retry-after', () => {
	const RETRY_AFTER_MS = 2000;
	const STORM = 6;
	// A limit that binds: come back in 2 s. Its limit but not its remaining budget is known
	// (every rate-limit header is optional), so only the retry-after says how long to hold.
	const tooMany: ScriptedAnswer = {
		kind: 'error',
		status: 429,
		type: 'requests',
		code: 'rate_limit_exceeded',
		message: 'Rate limit reached for gpt-5.4-mini on requests per min (RPM): Limit 600, Used 600, Requested 1. Please try again in 2s.',
		headers: {'retry-after-ms': String(RETRY_AFTER_MS), 'retry-after': '2', 'x-ratelimit-limit-requests': '600'},
	};

	test('every job that got one waits at least the retry-after before its next attempt', async () => {
		const clock = new ManualClock(0);
		const server = await scripted(clock, n => (n < STORM ? tooMany : {kind: 'reply'}));
		const run = startRun(clock, server.url, jobs(8), {maxRetries: 6});
		const summary = await run.finish();
		expect(summary).toMatchObject({succeeded: 8, rateLimited: STORM});
		let waits = 0;
		for (const job of jobs(8)) {
			const history = run.history(job.id);
			for (let k = 0; k + 1 < history.length; k++) {
				expect(history[k]!.error?.kind).toBe('rate_limit');
				expect(history[k + 1]!.startedAt - history[k]!.endedAt).toBeGreaterThanOrEqual(RETRY_AFTER_MS);
				waits++;
			}
		}
		expect(waits).toBe(STORM);
	});

	test('the whole run is held, not just the job that got it: nothing is sent within a retry-after of any 429', async () => {
		const clock = new ManualClock(0);
		const server = await scripted(clock, n => (n < STORM ? tooMany : {kind: 'reply'}));
		const run = startRun(clock, server.url, jobs(8), {maxRetries: 6});
		await run.finish();
		const refusals = server.requests.filter(r => r.answer.kind === 'error').map(r => r.at);
		expect(refusals).toHaveLength(STORM);
		for (const refusedAt of refusals) {
			const inside = server.requests.filter(r => r.at > refusedAt && r.at < refusedAt + RETRY_AFTER_MS);
			expect(inside.map(r => r.at), `sent within ${RETRY_AFTER_MS} ms after the 429 at ${refusedAt}`).toEqual([]);
		}
		// Jobs that never met a 429 were held too: none went before the first retry-after ran out.
		const untouched = jobs(8).filter(job => run.history(job.id).length === 1);
		expect(untouched.length).toBeGreaterThan(0);
		for (const job of untouched) expect(run.history(job.id)[0]!.startedAt).toBeGreaterThanOrEqual(refusals[0]! + RETRY_AFTER_MS);
	});
});

describe('exponential backoff with jitter', () => {
	// DESIGN.md: attempt n (0-based) waits min(max, base * 2^n), full jitter in [0, d], equal in [d/2, d].
	const backoff = {baseMs: 1000, maxMs: 8000};
	const bounds: Record<'full' | 'equal', (d: number) => [number, number]> = {
		full: d => [0, d],
		equal: d => [d / 2, d],
	};

	test.each(['equal', 'full'] as const)('%s jitter: each retry waits within the bounds of its attempt, and the waits differ', async jitter => {
		const clock = new ManualClock(0);
		const sim = await simulator({server500: 1});
		const maxRetries = 5;
		const options: BackoffOptions = {...backoff, jitter, random: seededRandom(jitter === 'full' ? 7 : 11)};
		const run = startRun(clock, sim.url, jobs(3), {maxRetries, backoff: options});
		const summary = await run.finish();
		expect(summary).toMatchObject({failed: 3, attempts: 3 * (maxRetries + 1), retries: 3 * maxRetries});
		const waits: number[] = [];
		for (const job of jobs(3)) {
			const history = run.history(job.id);
			expect(history).toHaveLength(maxRetries + 1);
			for (let n = 0; n < maxRetries; n++) {
				const waited = history[n + 1]!.startedAt - history[n]!.endedAt;
				const [low, high] = bounds[jitter](Math.min(backoff.maxMs, backoff.baseMs * 2 ** n));
				expect(waited, `${job.id}, wait after attempt ${n + 1}`).toBeGreaterThanOrEqual(low);
				expect(waited, `${job.id}, wait after attempt ${n + 1}`).toBeLessThanOrEqual(high);
				// Nothing else holds a retry: it goes the moment its wait is over.
				expect(waited).toBe(history[n]!.waitMs);
				waits.push(waited);
			}
			expect(history.at(-1)!.error?.kind).toBe('server');
		}
		expect(new Set(waits).size).toBeGreaterThan(waits.length / 2);
	});
});

describe('smooth pacing', () => {
	/** What the limiter may send at once beyond the steady rate. */
	const BURST = 2;

	test.each([600, 150])('--rpm %i: one request every 60000/N ms, never a minute\'s worth at once', async rpm => {
		const clock = new ManualClock(0);
		const sim = await simulator();
		const n = 30;
		const run = startRun(clock, sim.url, jobs(n), {rpm});
		await run.finish();
		const gap = 60_000 / rpm;
		const times = jobs(n)
			.map(job => run.history(job.id)[0]!.startedAt)
			.sort((a, b) => a - b);
		expect(times[0]).toBe(0);
		for (let i = 0; i < n; i++) {
			for (let j = i + 1; j < n; j++) {
				expect(j - i, `requests ${i + 1}..${j + 1} went within ${times[j]! - times[i]!} ms`).toBeLessThanOrEqual((times[j]! - times[i]!) / gap + BURST);
			}
		}
		// And no slower than asked: the last goes in its slot.
		expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual((n - 1) * gap + 1);
	});
});

describe('pause', () => {
	test('a retry whose time comes while paused waits in the queue; nothing is sent until resume', async () => {
		const clock = new ManualClock(0);
		const server = await scripted(clock, n => (n === 0 ? {kind: 'error', status: 500} : {kind: 'reply'}));
		const run = startRun(clock, server.url, jobs(1), {backoff: {baseMs: 1000, maxMs: 1000, jitter: 'none'}});
		const job = () => run.store.getState().jobs.get('j1')!;
		const busy = () => run.store.getState().counts.running > 0;
		await advanceUntil(clock, () => job().status === 'waiting', 'the first attempt to fail', {busy});
		run.engine.pause();
		// The retry's time comes and goes: the job is back in the queue, and stays there.
		await advanceUntil(clock, () => job().status === 'queued', 'the retry to come due', {busy});
		expect(clock.now()).toBe(1000);
		expect(clock.nextWakeAt()).toBeNull();
		expect(run.store.getState().run.phase).toBe('paused');
		expect(server.requests).toHaveLength(1);
		await clock.advance(60_000);
		run.engine.resume();
		const summary = await run.finish();
		expect(summary.succeeded).toBe(1);
		expect(server.requests.map(r => r.at)).toEqual([0, 61_000]);
	});
});
