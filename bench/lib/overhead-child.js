/**
 * One side of the engine-overhead figure, in its own process so each side has the same
 * CPU: `pacer` runs the batch through runBatch (results to a temp file); `bare` sends the
 * same SDK calls from a plain loop at the same concurrency. Prints {ms, ok} as JSON.
 *
 *   node overhead-child.js pacer|bare BASE_URL COUNT CONCURRENCY
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import OpenAI from 'openai';

const [mode, baseURL, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const apiKey = 'sk-bench-local';
const prompts = Array.from({length: count}, (_, i) => `Prompt ${i}: say something short about pacing.`);
const MAX_OUTPUT = 256;

async function bare() {
	const client = new OpenAI({apiKey, baseURL, maxRetries: 0});
	let next = 0;
	let ok = 0;
	const worker = async () => {
		while (next < prompts.length) {
			const input = prompts[next++];
			const stream = await client.responses.create({model: 'gpt-5.4-mini', input, max_output_tokens: MAX_OUTPUT, stream: true});
			let text = '';
			for await (const event of stream) {
				if (event.type === 'response.output_text.delta') text += event.delta;
				else if (event.type === 'response.completed' || event.type === 'response.incomplete') ok++;
			}
			if (text.length < 0) throw new Error('unreachable');
		}
	};
	await Promise.all(Array.from({length: concurrency}, worker));
	return ok;
}

async function pacer() {
	const dir = mkdtempSync(join(tmpdir(), 'pacer-overhead-'));
	try {
		// Imported here so the bare side does not load pacer (its tokenizer alone is ~70 MB).
		const {runBatch} = await import('../../dist/index.js');
		const jobs = prompts.map((text, i) => ({id: `p${i}`, line: i + 1, input: text, text}));
		const {summary} = await runBatch(jobs, {
			out: join(dir, 'out.jsonl'),
			concurrency,
			maxOutputTokens: MAX_OUTPUT,
			endpoint: {kind: 'api', apiKey, baseURL},
		});
		return summary.succeeded;
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

const started = performance.now();
const ok = mode === 'bare' ? await bare() : await pacer();
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ms, ok, maxRssMb: process.resourceUsage().maxRSS / 1024}) + '\n');
