/** Each figure of `npm run bench`: one measurement, returning table rows. */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runBatch, startSimulator} from '../../dist/index.js';
import {lastJson, runNode} from './child.js';
import {CLI} from './paths.js';
import {measureRate, writePrompts} from './rate.js';
import {measureThree, startBenchRedis} from './shared.js';
import {answered, startProgress} from './progress.js';
import {info, notMeasured, row} from './table.js';

const OVERHEAD_CHILD = new URL('./overhead-child.js', import.meta.url).pathname;
const PEER = new URL('./peer.js', import.meta.url).pathname;

/** Enough prompts that the run is still going when the window closes. */
const promptsFor = (rpm, durationMs) => Math.ceil((rpm * durationMs) / 60_000 * 1.5) + 50;

export async function fixedPacing({durationMs}) {
	const limit = 600;
	const r = await measureRate({sim: {rpm: limit, tpm: Infinity}, args: ['--rpm', String(limit)], durationMs, prompts: promptsFor(limit, durationMs)});
	const note = `server 600 RPM smooth (1 s burst); pacer --rpm 600, default --concurrency; ${r.requests} requests in ${r.seconds.toFixed(0)} s`;
	return [row('fixed --rpm 600: achieved/limit', r.rpm / limit, '>=', 0.97, {note}), row('fixed --rpm 600: 429s', r.rateLimited, '<=', 0, {digits: 0})];
}

export async function adaptive({durationMs, headers}) {
	const limit = 600;
	const r = await measureRate({sim: {rpm: limit, tpm: Infinity, rateLimitHeaders: headers}, args: [], durationMs, prompts: promptsFor(limit, durationMs)});
	const label = headers ? 'adaptive' : 'adaptive, no headers';
	const note = `server 600 RPM${headers ? '' : ' without x-ratelimit-* (429 + retry-after only)'}; pacer with no --rpm/--tpm; ${r.requests} requests, ${r.rateLimited} got 429`;
	return [row(`${label}: achieved/limit`, r.rpm / limit, '>=', 0.95, {note}), row(`${label}: share of requests 429`, r.share429, '<=', 0.01, {digits: 4})];
}

/**
 * pacer beside the hand-written peer (bench/lib/peer.js: p-queue tuned to 10 a second
 * around the SDK, 429s left to the SDK's retries), each against its own simulator with the
 * same 600 RPM limit and headers, at the same time, measured at the server alike.
 */
export async function peerSideBySide({durationMs}) {
	const limit = 600;
	const sim = {rpm: limit, tpm: Infinity, rateLimitHeaders: true};
	const prompts = promptsFor(limit, durationMs);
	const [pacer, peer] = await Promise.all([
		measureRate({sim, args: [], durationMs, prompts}),
		measureRate({sim, durationMs, prompts, client: (file, url) => [PEER, url, file, String(limit)]}),
	]);
	const note =
		`server 600 RPM smooth (1 s burst) with x-ratelimit-* headers, two at once; pacer with no --rpm/--tpm ${pacer.rpm.toFixed(0)} RPM, ${pacer.requests} requests, ${pacer.rateLimited} got 429; ` +
		`peer (p-queue intervalCap 10 / interval 1000 around the openai SDK, maxRetries 2) ${peer.rpm.toFixed(0)} RPM, ${peer.requests} requests, ${peer.rateLimited} got 429`;
	return [
		// The peer is told the limit and pacer is not: keeping within the adaptive row's 5% of a
		// client tuned to it, without its 429s, is the claim.
		row('peer: pacer achieved / p-queue+SDK achieved', pacer.rpm / peer.rpm, '>=', 0.95, {note}),
		row('peer: pacer share of requests 429', pacer.share429, '<=', 0.01, {digits: 4}),
		info('peer: p-queue+SDK share of requests 429', peer.share429, {digits: 4}),
	];
}

export async function tokensBound({durationMs}) {
	const rpm = 600;
	const tpm = 30_000;
	// A reply cap near the typical reply, so the TPM charged at admission (input + max_output)
	// is close to what is billed: see the note.
	const maxOutput = 32;
	const r = await measureRate({
		sim: {rpm, tpm},
		args: ['--max-output-tokens', String(maxOutput)],
		durationMs,
		prompts: promptsFor(rpm, durationMs),
	});
	const note =
		`server 600 RPM / 30k TPM, --max-output-tokens ${maxOutput}; billed tokens/min over the limit; ran at ${r.rpm.toFixed(0)} RPM. ` +
		'With a cap far above the real replies, the admission charge (input + max_output) rather than pacing caps any client.';
	return [row('tokens/min bound: achieved/limit', r.tpm / tpm, '>=', 0.95, {note}), row('tokens/min bound: share of requests 429', r.share429, '<=', 0.01, {digits: 4})];
}

/** Three processes on one 600 RPM limit: through one Redis (one budget), and beside them three on their own for contrast. */
export async function sharedLimit({durationMs}) {
	const limit = 600;
	const prompts = promptsFor(limit, durationMs);
	const redis = await startBenchRedis();
	// Both sides at once, each on its own simulator: one window of the bench's time, not two.
	let shared;
	let alone;
	try {
		[shared, alone] = await Promise.all([measureThree({limit, durationMs, prompts, redisUrl: redis.url}), measureThree({limit, durationMs, prompts, redisUrl: null})]);
	} finally {
		await redis.close();
	}
	const note = `three processes, each --rpm ${limit}, one server at ${limit} RPM (1 s burst) sending no x-ratelimit-* headers; through one redis-server: ${shared.requests} requests, ${shared.rateLimited} got 429`;
	const aloneNote = `the same three without --redis, each pacing to the whole limit: ${alone.requests} requests in ${alone.seconds.toFixed(0)} s, achieved/limit ${(alone.rpm / limit).toFixed(3)}`;
	return [
		row('3 processes, shared Redis: achieved/limit', shared.rpm / limit, '>=', 0.95, {note}),
		row('3 processes, shared Redis: share of requests 429', shared.share429, '<=', 0.01, {digits: 4}),
		// The contrast: without a shared budget the three overrun the limit.
		row('3 processes, no Redis: share of requests 429', alone.share429, '>=', 0.05, {digits: 4, note: aloneNote}),
	];
}

export async function engineOverhead({count, log}) {
	const concurrency = 64;
	// A fresh simulator for each side: one that has served a run already (its heap, its
	// per-prompt state) would slow whichever side goes second.
	const side = async mode => {
		const sim = await startSimulator({profile: 'calm', seed: 3, rpm: Infinity, tpm: Infinity, latencyScale: 0});
		const stop = startProgress({label: `engine overhead, ${mode}`, log, read: () => ({done: answered(sim), total: count})});
		try {
			const r = await runNode([OVERHEAD_CHILD, mode, sim.url, String(count), String(concurrency)]);
			if (r.code !== 0) throw new Error(`${mode} failed: ${r.stderr.slice(-800)}`);
			const out = lastJson(r.stdout);
			if (out.ok !== count) throw new Error(`${mode}: ${out.ok} of ${count} succeeded`);
			return out;
		} finally {
			stop();
			await sim.close();
		}
	};
	// Bare, pacer, pacer, bare: a machine whose load drifts during the bench weighs on both alike.
	const runs = [];
	for (const mode of ['bare', 'pacer', 'pacer', 'bare']) runs.push({mode, ...(await side(mode))});
	const total = mode => runs.filter(r => r.mode === mode).reduce((sum, r) => sum + r.ms, 0);
	const ratio = total('bare') / total('pacer');
	const rate = mode => ((2 * count) / total(mode)) * 1000;
	const note = `${count} prompts a run, zero latency, concurrency ${concurrency}, no limits, runs ordered bare/pacer/pacer/bare: pacer ${rate('pacer').toFixed(0)}/s (runBatch, results to a file), bare SDK loop ${rate('bare').toFixed(0)}/s; each run in its own process against a fresh simulator in the bench's`;
	return [row('engine overhead: pacer/bare throughput', ratio, '>=', 0.95, {note})];
}

/**
 * Wall time of one batch against a simulator (seeded), the CLI with its defaults plus `args`.
 * `sim` overrides the profile's limits, faults and headers.
 */
async function wallOf(profile, count, {sim = {}, args = []} = {}) {
	const simulator = await startSimulator({profile, seed: 7, ...sim});
	const dir = mkdtempSync(join(tmpdir(), `pacer-${profile}-`));
	try {
		const file = writePrompts(dir, count);
		const r = await runNode([CLI, 'run', file, '--no-tui', '--json', '--out', join(dir, 'out.jsonl'), '--base-url', simulator.url, ...args], {
			env: {OPENAI_API_KEY: 'sk-bench-local', OPENAI_BASE_URL: ''},
		});
		const summary = lastJson(r.stdout);
		return {wallMs: summary.wallMs ?? summary.summary?.wallMs, summary, faults: simulator.stats().faults};
	} finally {
		await simulator.close();
		rmSync(dir, {recursive: true, force: true});
	}
}

export async function recovery({count}) {
	const [calm, flaky] = await Promise.all([wallOf('calm', count), wallOf('flaky', count)]);
	const faults = Object.values(flaky.faults).reduce((a, b) => a + b, 0);
	const note = `${count} prompts, profiles' own limits (500 RPM), seed 7, default options: calm ${(calm.wallMs / 1000).toFixed(1)} s, flaky ${(flaky.wallMs / 1000).toFixed(1)} s with ${faults} faults injected`;
	return [row('recovery: flaky wall / calm wall', flaky.wallMs / calm.wallMs, '<=', 1.1, {note})];
}

/** Share of attempts the blip server answers with a bare 429: a dozen in 600 prompts. */
const BLIP_RATE = 0.03;
/** The same `--concurrency` on both sides, given explicitly. */
const BLIP_CONCURRENCY = 16;

/**
 * Random 429s without a binding limit: a server that sends no `x-ratelimit-*` headers and
 * no limit binds (RPM/TPM off), but answers 3% of attempts with a bare 429 + retry-after,
 * against the same batch on the same server without them, side by side. A lone 429 among
 * successes is a blip: only the prompt that got it should wait. Two rounds, compared by
 * their sums: one round's wall time moves by ±15 % on a busy machine.
 */
export async function blips({count}) {
	const server = {rpm: Infinity, tpm: Infinity, rateLimitHeaders: false};
	const args = ['--concurrency', String(BLIP_CONCURRENCY)];
	const rounds = [];
	for (let round = 0; round < 2; round++) {
		const [calm, blipped] = await Promise.all([
			wallOf('calm', count, {sim: server, args}),
			wallOf('calm', count, {sim: {...server, faults: {rateLimit: BLIP_RATE}}, args}),
		]);
		for (const [side, r] of [['calm', calm], ['blips', blipped]]) {
			if (r.summary.succeeded !== count) throw new Error(`${side}: ${r.summary.succeeded} of ${count} succeeded`);
		}
		rounds.push({calm, blipped});
	}
	const sum = side => rounds.reduce((total, r) => total + r[side].wallMs, 0);
	const seconds = side => rounds.map(r => (r[side].wallMs / 1000).toFixed(1)).join(' + ');
	const note =
		`${count} prompts, --concurrency ${BLIP_CONCURRENCY}, seed 7, no limit and no x-ratelimit-* headers on both sides, two rounds: ` +
		`calm ${seconds('calm')} s, blips ${seconds('blipped')} s with ${rounds[0].blipped.faults.rateLimit} bare 429s injected a round (${rounds[0].blipped.summary.rateLimited} seen)`;
	return [row('random 429 blips, no binding limit: wall / calm wall', sum('blipped') / sum('calm'), '<=', 1.2, {note})];
}

export {notMeasured};

/**
 * Reliability under faults: the chaos profile (every transient fault, plus 2% of prompts
 * permanently bad) at low latency. Nothing may be lost or duplicated, every transient
 * fault must be retried to success and no permanent one retried.
 */
export async function chaosSoak({count}) {
	// Limits far above the run's rate, so the headers show budget left, as a real server's would.
	const sim = await startSimulator({profile: 'chaos', seed: 2026, latencyScale: 0.02, rpm: 10_000_000, tpm: 10_000_000_000});
	const dir = mkdtempSync(join(tmpdir(), 'pacer-chaos-'));
	try {
		const out = join(dir, 'out.jsonl');
		const jobs = Array.from({length: count}, (_, i) => ({id: `c${i}`, line: i + 1, input: `chaos prompt ${i}`, text: `chaos prompt ${i}`}));
		const started = Date.now();
		const {summary} = await runBatch(jobs, {
			out,
			concurrency: 64,
			maxRetries: 10,
			backoffBaseMs: 2,
			backoffMaxMs: 20,
			idleTimeoutMs: 250,
			endpoint: {kind: 'api', apiKey: 'sk-bench-local', baseURL: sim.url},
		});
		const seconds = (Date.now() - started) / 1000;
		const records = readFileSync(out, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line));
		const unique = new Set(records.map(r => r.id)).size;
		const lost = count - unique;
		const duplicated = records.length - unique;
		const faults = sim.stats().faults;
		const permanent = faults.badRequest;
		const transient = Object.entries(faults).filter(([name]) => name !== 'badRequest').reduce((sum, [, n]) => sum + n, 0);
		const wronglyFailed = records.filter(r => r.status !== 'succeeded' && r.error?.kind !== 'bad_request').length;
		const retriedPermanent = records.filter(r => r.error?.kind === 'bad_request' && r.attempts > 1).length;
		const note = `${count} prompts in ${seconds.toFixed(1)} s; ${transient} transient faults injected and ${summary.retries} retries; ${permanent} permanently bad prompts, failed without a retry; ${lost} lost, ${duplicated} duplicated`;
		return [
			row(`chaos soak (${count / 1000}k prompts): lost + duplicated`, lost + duplicated, '<=', 0, {digits: 0, note}),
			row('chaos soak: transient faults not recovered, permanent ones retried', wronglyFailed + retriedPermanent, '<=', 0, {digits: 0}),
			// Every retry answers an injected fault: a retry beyond them is an attempt pacer failed itself.
			row('chaos soak: retries beyond the faults injected', summary.retries - transient, '<=', 0, {digits: 0}),
		];
	} finally {
		await sim.close();
		rmSync(dir, {recursive: true, force: true});
	}
}
