import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {Header} from '../../src/components/Header.js';
import type {PreparedRun} from '../../src/runBatch.js';
import {prompts, simRun, stopSimRuns, stripAnsi, waitUntil} from '../helpers/terminal.js';

let run: PreparedRun | null = null;
afterEach(stopSimRuns);

test('names pacer, the model and the simulator endpoint, and the run state', async () => {
	run = await simRun(prompts(3), {profile: 'flaky', seed: 7, model: 'gpt-5.4-mini'});
	const view = render(<Header view={run.store} now={0} width={80} />);
	expect(view.lastFrame()).toContain('pacer · gpt-5.4-mini · simulator flaky · seed 7');
	expect(view.lastFrame()).toContain('idle');
	const done = run.runner.run();
	run.runner.pause();
	view.rerender(<Header view={run.store} now={0} width={80} />);
	expect(stripAnsi(view.lastFrame()!)).toContain('‖ paused');
	run.runner.resume();
	await done;
	view.rerender(<Header view={run.store} now={0} width={80} />);
	expect(view.lastFrame()).toContain('✓ done');
	view.unmount();
});

test('elapsed time comes from the injected now, and stops at the end of the run', async () => {
	run = await simRun(prompts(2));
	const started = run.runner.run();
	const startedAt = run.store.getState().run.startedAt!;
	const view = render(<Header view={run.store} now={startedAt + 65_000} width={80} />);
	expect(view.lastFrame()).toContain('01:05');
	await started;
	const finishedAt = run.store.getState().run.finishedAt!;
	view.rerender(<Header view={run.store} now={finishedAt + 3_600_000} width={80} />);
	const frame = await waitUntil(() => (view.lastFrame()!.includes('done') ? view.lastFrame() : undefined), 'the header to say done', {seen: () => view.lastFrame()!});
	expect(frame).toContain(`00:0${Math.floor((finishedAt - startedAt) / 1000)}`);
	view.unmount();
});

test('says once, in the header, that --api auto switched the run to chat', async () => {
	const {startSimulator} = await import('../../src/sim/index.js');
	const {prepareRun} = await import('../../src/runBatch.js');
	const {SWITCH_NOTE} = await import('../../src/core/autoApiClient.js');
	const chatOnly = await startSimulator({profile: 'calm', seed: 1, latencyScale: 0, port: 0, apis: ['chat']});
	try {
		const prepared = await prepareRun(prompts(3), {api: 'auto', endpoint: {kind: 'api', apiKey: 'sk-header-test-0000', baseURL: chatOnly.url}});
		const view = render(<Header view={prepared.store} now={0} width={120} />);
		expect(view.lastFrame()).not.toContain(SWITCH_NOTE);
		await prepared.runner.run();
		await prepared.finish();
		view.rerender(<Header view={prepared.store} now={0} width={120} />);
		const frame = stripAnsi(view.lastFrame()!);
		expect(frame).toContain(`· ${SWITCH_NOTE}`);
		expect(frame.split(SWITCH_NOTE)).toHaveLength(2);
		view.unmount();
	} finally {
		await chatOnly.close();
	}
});
