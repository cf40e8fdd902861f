/** Shared set-up for the simulator tests: a loopback simulator and a real SDK client. */
import OpenAI from 'openai';
import {afterEach} from 'vitest';
import {startSimulator, type Simulator, type SimulatorOptions} from '../../src/sim/index.js';

const open: Simulator[] = [];

afterEach(async () => {
	await Promise.all(open.splice(0).map((sim) => sim.close()));
});

/**
 * A simulator that answers at once and enforces no limits unless the test asks; closed
 * after each test. (At latencyScale 0 a test loop outruns calm's 500 RPM in a few requests.)
 */
export async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
	const simulator = await startSimulator({
		latencyScale: 0,
		rpm: Number.POSITIVE_INFINITY,
		tpm: Number.POSITIVE_INFINITY,
		...options,
	});
	open.push(simulator);
	return simulator;
}

/** The official SDK pointed at the simulator, with its own retries off (as pacer uses it). */
export function client(simulator: Simulator, apiKey = 'sk-test'): OpenAI {
	return new OpenAI({apiKey, baseURL: simulator.url, maxRetries: 0});
}

/** Whatever `fn` rejects with (fails the test if it resolves). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
	try {
		await fn();
	} catch (error) {
		return error;
	}
	throw new Error('expected a rejection');
}

/** A plain fetch to the simulator, for what the SDK hides (raw bodies, odd requests). */
export function raw(simulator: Simulator, path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${simulator.url}${path}`, {
		method: 'POST',
		...init,
		headers: {authorization: 'Bearer sk-test', 'content-type': 'application/json', ...init.headers},
	});
}
