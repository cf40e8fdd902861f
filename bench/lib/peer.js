/**
 * The peer of the side-by-side figure: what people write by hand to run a batch under a
 * known rate limit, without pacer. It imitates the usual recipe (p-queue's README, blog
 * posts and answers on "OpenAI rate limit batch"):
 *
 * - one `p-queue` around the `openai` SDK, tuned per second to the known limit:
 *   `intervalCap` requests every `interval` ms (600 RPM -> 10 a second), no concurrency cap;
 * - 429s (and the 5xx / connection errors) retried by the SDK's own retries (`maxRetries`,
 *   its default 2), which honour `retry-after` but run inside the queued task, outside the
 *   queue's pacing;
 * - each request the one pacer sends: streamed, the same model and output cap, the reply
 *   text kept.
 *
 * Runs until every prompt has ended or it is stopped (SIGINT), then prints
 * {ok, failed, ms} as JSON.
 *
 *   node peer.js BASE_URL PROMPTS_FILE RPM
 */
import {readFileSync} from 'node:fs';
import OpenAI from 'openai';
import PQueue from 'p-queue';

const [baseURL, file, rpmText] = process.argv.slice(2);
const rpm = Number(rpmText);
const prompts = readFileSync(file, 'utf8').split('\n').filter(Boolean);
/** pacer's own defaults (src/core/defaults.ts), so both sides send the same requests. */
const MODEL = 'gpt-5.4-mini';
const MAX_OUTPUT = 256;

const client = new OpenAI({apiKey: 'sk-bench-local', baseURL});
const queue = new PQueue({intervalCap: Math.max(1, Math.round(rpm / 60)), interval: 1000});

let ok = 0;
let failed = 0;
const started = performance.now();
const report = () => process.stdout.write(JSON.stringify({ok, failed, ms: performance.now() - started}) + '\n');
process.on('SIGINT', () => {
	report();
	process.exit(0);
});

async function one(input) {
	try {
		const stream = await client.responses.create({model: MODEL, input, max_output_tokens: MAX_OUTPUT, stream: true});
		let text = '';
		for await (const event of stream) {
			if (event.type === 'response.output_text.delta') text += event.delta;
		}
		ok++;
		return text;
	} catch {
		failed++;
	}
}

await Promise.all(prompts.map(input => queue.add(() => one(input))));
report();
