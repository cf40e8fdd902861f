import {describe, expect, it} from 'vitest';
import {SIM_PROFILES, startSimulator} from '../../src/sim/index.js';
import {waitUntil} from '../helpers/wait.js';
import {client, raw, sim} from './helpers.js';

describe('the server', () => {
	it('binds to 127.0.0.1 and exposes a /v1 base URL', async () => {
		const simulator = await sim();
		expect(simulator.url).toBe(`http://127.0.0.1:${simulator.port}/v1`);
		expect(simulator.port).toBeGreaterThan(0);
	});

	it('lists models, and knows one by id', async () => {
		const api = client(await sim());
		const models = [];
		for await (const model of api.models.list()) models.push(model.id);
		expect(models).toContain('gpt-5.4-mini');
		expect((await api.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
	});

	it('counts requests, statuses, faults and billed tokens; resetStats() starts over', async () => {
		const simulator = await sim({faults: {server500: 0.5}});
		const api = client(simulator);
		let billedIn = 0;
		let billedOut = 0;
		for (let i = 0; i < 20; i++) {
			try {
				const r = await api.responses.create({model: 'gpt-4o-mini', input: `q${i}`, max_output_tokens: 64});
				billedIn += r.usage!.input_tokens;
				billedOut += r.usage!.output_tokens;
			} catch {
				// the 500s are the point
			}
		}
		// inFlight drops on the socket's 'close', a moment after the client has its answer.
		await waitUntil(() => simulator.stats().inFlight === 0, 'every request to be closed at the server');
		const stats = simulator.stats();
		expect(stats.requests).toBe(20);
		expect((stats.byStatus['200'] ?? 0) + (stats.byStatus['500'] ?? 0)).toBe(20);
		expect(stats.faults.server500).toBe(stats.byStatus['500']);
		expect(stats.faults.server500).toBeGreaterThan(0);
		expect([stats.tokensIn, stats.tokensOut]).toEqual([billedIn, billedOut]);
		expect(stats.completed + stats.incomplete).toBe(stats.byStatus['200']);
		expect(stats.perSecond.reduce((n, s) => n + s.requests, 0)).toBe(20);
		expect(stats.inFlight).toBe(0);
		simulator.resetStats();
		expect(simulator.stats()).toMatchObject({requests: 0, byStatus: {}, tokensIn: 0, perSecond: []});
	});

	it('logs one line a request, never the key', async () => {
		const lines: string[] = [];
		const simulator = await sim({log: (line) => lines.push(line), faults: {reset: 1}});
		await client(simulator, 'sk-secret-value-1234')
			.responses.create({model: 'gpt-4o-mini', input: 'hi', max_output_tokens: 64})
			.catch(() => undefined);
		await raw(simulator, '/nope', {body: '{}'});
		await waitUntil(() => lines.length >= 2, 'a log line for each request', {seen: () => lines.join('\n')});
		expect(lines).toHaveLength(2);
		expect(lines[0]).toMatch(/^POST \/v1\/responses reset \d+ms req_[0-9a-f]{32} model=gpt-4o-mini json attempt=0 fault=reset$/);
		expect(lines.join('\n')).not.toContain('secret');
	});

	it('refuses bad options with a clear message', async () => {
		await expect(startSimulator({profile: 'stormy' as never})).rejects.toThrow(/Unknown simulator profile "stormy"/);
		await expect(startSimulator({faults: {cut: 2}})).rejects.toThrow(/between 0 and 1/);
		await expect(startSimulator({rpm: 0})).rejects.toThrow(/rpm must be a positive number/);
	});

	it('profiles: calm has no faults, none has quota, only chaos has permanent bad requests', () => {
		expect(Object.values(SIM_PROFILES.calm.faults).every((rate) => rate === 0)).toBe(true);
		for (const profile of Object.values(SIM_PROFILES)) expect(profile.faults.quota).toBe(0);
		expect(SIM_PROFILES.flaky.faults.badRequest).toBe(0);
		expect(SIM_PROFILES.storm.faults.badRequest).toBe(0);
		expect(SIM_PROFILES.chaos.faults.badRequest).toBeGreaterThan(0);
		expect(SIM_PROFILES.storm.tpm).toBeLessThan(SIM_PROFILES.calm.tpm);
	});

	it('the first byte waits for the seeded time to first byte', async () => {
		const simulator = await sim({latencyScale: 1});
		const started = performance.now();
		await raw(simulator, '/responses', {body: JSON.stringify({model: 'gpt-4o-mini', input: 'hi', stream: true})});
		// calm's TTFB is 120-400 ms.
		expect(performance.now() - started).toBeGreaterThanOrEqual(115);
	});
});
