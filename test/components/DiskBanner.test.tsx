import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {diskBanner} from '../../src/components/DiskBanner.js';
import {Header} from '../../src/components/Header.js';
import type {DiskStatus} from '../../src/store/runStore.js';
import {prompts, simRun, stopSimRuns, stripAnsi} from '../helpers/terminal.js';

afterEach(stopSimRuns);

const held: DiskStatus = {state: 'held', path: '/data/out.jsonl', message: 'no space left on the device (ENOSPC, 0 B free)', records: 5, since: 1000, until: null};

test('held: the file, the reason with the free space, what is kept, and that the run goes on by itself', () => {
	expect(diskBanner(held, 999_999)).toEqual({
		tone: 'warning',
		text: '⚠ on hold: /data/out.jsonl: no space left on the device (ENOSPC, 0 B free) · 5 result(s) kept in memory · goes on by itself when there is room · q saves them elsewhere',
	});
});

test('recovered: says so for five seconds, then the line goes', () => {
	const recovered: DiskStatus = {...held, state: 'recovered', until: 10_000};
	expect(diskBanner(recovered, 15_000)).toEqual({tone: 'ok', text: '✓ going on: /data/out.jsonl takes results again · wrote the 5 held'});
	expect(diskBanner(recovered, 15_001)).toBeNull();
	expect(diskBanner(null, 0)).toBeNull();
});

test('the header reads "on hold" while held, apart from the user\'s pause', async () => {
	const run = await simRun(prompts(2));
	run.store.getState().setRun({phase: 'running', startedAt: 0});
	run.store.getState().setDisk(held);
	const view = render(<Header view={run.store} now={0} width={80} />);
	expect(stripAnsi(view.lastFrame()!)).toContain('‖ on hold');
	run.store.getState().setDisk({...held, state: 'recovered', until: 0});
	view.rerender(<Header view={run.store} now={0} width={80} />);
	expect(stripAnsi(view.lastFrame()!)).toContain('▸ running');
	view.unmount();
});
