import OpenAI from 'openai';
import {describe, expect, it} from 'vitest';
import type {SimulatorOptions} from '../../src/sim/index.js';
import {client, sim} from './helpers.js';

const PROMPTS = Array.from({length: 40}, (_, i) => `Prompt number ${i}: summarise item ${i * 7}.`);
const MAX_ATTEMPTS = 5;

/** Every attempt's outcome for one prompt: the output text, or what went wrong. */
async function runPrompt(api: OpenAI, prompt: string): Promise<string[]> {
	const outcomes: string[] = [];
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		let text = '';
		let terminal = 'none';
		try {
			const stream = await api.responses.create({model: 'gpt-5.4-mini', input: prompt, max_output_tokens: 256, stream: true});
			for await (const event of stream) {
				if (event.type === 'response.output_text.delta') text += event.delta;
				if (event.type === 'response.completed' || event.type === 'response.incomplete') terminal = event.type;
			}
		} catch (error) {
			const e = error as InstanceType<typeof OpenAI.APIError>;
			outcomes.push(`${e.constructor.name}:${e.status}:${e.code}`);
			if (e.status === 400) break;
			continue;
		}
		outcomes.push(`${terminal}:${text}`);
		if (terminal !== 'none') break;
	}
	return outcomes;
}

async function runBatch(options: SimulatorOptions, concurrency: number): Promise<Map<string, string[]>> {
	const api = client(await sim(options));
	const results = new Map<string, string[]>();
	let next = 0;
	await Promise.all(
		Array.from({length: concurrency}, async () => {
			while (next < PROMPTS.length) {
				const prompt = PROMPTS[next++];
				results.set(prompt, await runPrompt(api, prompt));
			}
		}),
	);
	return results;
}

describe('seeded determinism', () => {
	// No stalls: telling one from a slow reply takes a stopwatch, and on a loaded machine a
	// stopwatch would call healthy replies stalls. Every other chaos fault is in play.
	const options: SimulatorOptions = {profile: 'chaos', seed: 42, rpm: Number.POSITIVE_INFINITY, tpm: Number.POSITIVE_INFINITY, faults: {stall: 0}};

	it('same seed and prompts: identical outcomes at concurrency 1 and 8', async () => {
		const [serial, parallel] = await Promise.all([runBatch(options, 1), runBatch(options, 8)]);
		expect(parallel.size).toBe(PROMPTS.length);
		for (const prompt of PROMPTS) expect(parallel.get(prompt)).toEqual(serial.get(prompt));
		// chaos really did inject faults, so the comparison means something.
		const failures = [...serial.values()].flat().filter((o) => !o.startsWith('response.'));
		expect(failures.length).toBeGreaterThan(3);
	});

	it('another seed plays out differently', async () => {
		const [a, b] = await Promise.all([runBatch(options, 4), runBatch({...options, seed: 43}, 4)]);
		expect(PROMPTS.some((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))).toBe(true);
	});
});
