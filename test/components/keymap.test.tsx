import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import {HelpBar} from '../../src/components/HelpBar.js';
import {HelpScreen} from '../../src/components/HelpScreen.js';
import {bindingsFor, commandFor, hintsFor, KEYMAP} from '../../src/components/keymap.js';
import {stripAnsi} from '../helpers/terminal.js';

test('every key of issue 3 is bound, each to one command', () => {
	const expected: Record<string, string> = {
		up: 'up', k: 'up', down: 'down', j: 'down', pageup: 'pageUp', pagedown: 'pageDown',
		g: 'top', home: 'top', G: 'bottom', end: 'bottom', return: 'open', escape: 'close',
		r: 'retry', c: 'cancel', R: 'retryAllFailed', p: 'pause', '+': 'concurrencyUp', '-': 'concurrencyDown', a: 'concurrencyAuto',
		'/': 'filter', f: 'statusFilter', '?': 'help', q: 'quit', 'ctrl+c': 'interrupt',
		'[': 'batchPrev', ']': 'batchNext', X: 'cancelBatch',
	};
	for (const [key, command] of Object.entries(expected)) expect(commandFor(key), key).toBe(command);
	const keys = KEYMAP.flatMap(binding => binding.keys);
	expect(new Set(keys).size).toBe(keys.length);
});

test('the help screen lists every command of the keymap with its keys; the batch keys only in a --batch-api run', () => {
	const frame = stripAnsi(render(<HelpScreen width={100} height={40} />).lastFrame()!);
	const live = KEYMAP.filter(binding => !binding.batchOnly);
	for (const binding of live) expect(frame).toContain(`${binding.label}`.padEnd(6).trimEnd());
	for (const binding of live) expect(frame).toContain(binding.description.slice(0, 30));
	expect(frame).not.toContain('Batches');
	expect(frame).not.toContain('detach');
	const batch = stripAnsi(render(<HelpScreen width={160} height={40} batch />).lastFrame()!);
	for (const binding of bindingsFor(true)) expect(batch).toContain(binding.description.slice(0, 30));
	expect(batch).toMatch(/^ {2}X +cancel the batch at the cursor; done lines are kept$/m);
	expect(batch).toMatch(/^ {2}q +detach \(batches go on; --resume re-attaches\)$/m);
	expect(batch).not.toContain('quit (again');
});

test('in a --batch-api run the footer hints the batch keys and q as detach; a live run never does', () => {
	expect(hintsFor('table', Infinity).map(hint => hint.keys)).not.toContain('X');
	const batch = hintsFor('table', Infinity, {jobs: false, pause: false, concurrency: false}, true).map(hint => `${hint.keys} ${hint.text}`);
	expect(batch).toEqual(expect.arrayContaining(['[] batch', 'X cancel batch', 'q detach (batches go on; --resume re-attaches)']));
	const narrow = stripAnsi(render(<HelpBar context="table" width={80} supports={{jobs: false, pause: false, concurrency: false}} batch />).lastFrame()!);
	expect(narrow.length).toBeLessThanOrEqual(80);
	expect(narrow).toContain('X cancel batch');
	expect(narrow).toContain('[] batch');
	expect(narrow).toContain('q detach (batches go on; --resume re-attaches)');
});

test('at 80x24 the help uses two columns and stays inside its rows', () => {
	const frame = stripAnsi(render(<HelpScreen width={80} height={17} />).lastFrame()!);
	expect(frame.split('\n').length).toBeLessThanOrEqual(17);
	expect(frame).toMatch(/Move .*Jobs|Move[^\n]*\n/);
	expect(frame).toContain('Ctrl+C');
	expect(frame).toContain('PgDn');
});

test('the footer shows the hints of the current screen from the keymap, the most needed first when narrow', () => {
	expect(hintsFor('table').map(hint => hint.text)).toEqual(['move', 'details', 'retry', 'cancel', 'retry failed', 'pause', 'concurrency', 'filter', 'status', 'help', 'quit']);
	const wide = stripAnsi(render(<HelpBar context="table" width={100} />).lastFrame()!);
	expect(wide).toBe(hintsFor('table', 100).map(hint => `${hint.keys} ${hint.text}`).join('  '));
	const narrow = stripAnsi(render(<HelpBar context="table" width={40} />).lastFrame()!);
	expect(narrow.length).toBeLessThanOrEqual(40);
	expect(narrow).toContain('q quit');
	expect(narrow).toContain('? help');
	expect(stripAnsi(render(<HelpBar context="detail" width={80} />).lastFrame()!)).toContain('esc close');
	expect(stripAnsi(render(<HelpBar context="done" width={100} />).lastFrame()!)).not.toContain('pause');
});

test('a notice takes the place of the hints', () => {
	const frame = stripAnsi(render(<HelpBar context="table" width={80} notice={{text: 'line-3: queued again', tone: 'info'}} />).lastFrame()!);
	expect(frame).toBe('line-3: queued again');
});

test('the footer hints only what the run supports; the keys of a missing control are not hinted', () => {
	const all = hintsFor('table').map(hint => hint.keys);
	expect(all).toEqual(expect.arrayContaining(['+-', 'p', 'r', 'c']));
	const noConcurrency = hintsFor('table', Infinity, {jobs: true, pause: true, concurrency: false}).map(hint => hint.keys);
	expect(noConcurrency).not.toContain('+-');
	expect(noConcurrency).toEqual(expect.arrayContaining(['p', 'r', 'c']));
	const nothingToSteer = hintsFor('table', Infinity, {jobs: false, pause: false, concurrency: false}).map(hint => hint.keys);
	expect(nothingToSteer).toEqual(all.filter(keys => !['+-', 'p', 'r', 'c', 'R'].includes(keys)));
});
