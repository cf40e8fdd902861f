/** `pacer sim` as a person runs it (the built CLI): both APIs by default, `--chat-only` on demand. */
import OpenAI from 'openai';
import {afterEach, describe, expect, it} from 'vitest';
import {startCli} from '../helpers/cli.js';
import {waitUntil} from '../helpers/wait.js';

const running: ReturnType<typeof startCli>[] = [];

afterEach(async () => {
	for (const cli of running.splice(0)) {
		if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
		await cli.done;
	}
});

async function serve(args: string[]): Promise<{api: OpenAI; cli: ReturnType<typeof startCli>}> {
	const cli = startCli(['sim', '--port', '0', '--latency-scale', '0', ...args]);
	running.push(cli);
	const url = await waitUntil(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(cli.output())?.[1], 'pacer sim to say where it listens', {
		timeoutMs: 15_000,
		seen: cli.output,
	});
	return {api: new OpenAI({apiKey: 'sk-test', baseURL: url, maxRetries: 0}), cli};
}

const chat = {model: 'gpt-4o-mini', messages: [{role: 'user' as const, content: 'hi'}], max_completion_tokens: 50};

describe('pacer sim', () => {
	it('serves both APIs by default', async () => {
		const {api, cli} = await serve([]);
		expect(cli.output()).toContain('Responses and Chat Completions');
		expect((await api.responses.create({model: 'gpt-4o-mini', input: 'hi'})).status).toMatch(/completed|incomplete/);
		expect((await api.chat.completions.create(chat)).object).toBe('chat.completion');
	});

	it('--chat-only: 404 Invalid URL on /responses, chat still answered; SIGTERM stops it with 0', async () => {
		const {api, cli} = await serve(['--chat-only']);
		expect(cli.output()).toContain('Chat Completions only');
		const error = await api.responses.create({model: 'gpt-4o-mini', input: 'hi'}).then(
			() => null,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(OpenAI.NotFoundError);
		expect((error as InstanceType<typeof OpenAI.APIError>).message).toBe('404 Invalid URL (POST /v1/responses)');
		expect((await api.chat.completions.create(chat)).choices[0].message.role).toBe('assistant');
		cli.child.kill('SIGTERM');
		expect((await cli.done).code).toBe(0);
	});
});
