/**
 * Every key the dashboard knows, in one table: command -> keys -> description. The
 * footer hints and the help screen are both rendered from it, so they cannot disagree
 * with what the keys do.
 */
import type {ControlSupport} from '../core/controls.js';
import type {Key} from 'ink';

export type Command =
	| 'up'
	| 'down'
	| 'pageUp'
	| 'pageDown'
	| 'top'
	| 'bottom'
	| 'open'
	| 'close'
	| 'retry'
	| 'cancel'
	| 'retryAllFailed'
	| 'pause'
	| 'concurrencyUp'
	| 'concurrencyDown'
	| 'concurrencyAuto'
	| 'filter'
	| 'statusFilter'
	| 'help'
	| 'batchPrev'
	| 'batchNext'
	| 'cancelBatch'
	| 'quit'
	| 'interrupt';

/** Which screen the keys act on; the footer shows the hints of the current one. */
export type KeyContext = 'table' | 'detail' | 'help' | 'done';

export interface KeyBinding {
	readonly command: Command;
	/** Key names as `keyName` reports them: `up`, `pageup`, `return`, `ctrl+c`, `G`. */
	readonly keys: readonly string[];
	/** How the help screen writes the keys. */
	readonly label: string;
	readonly description: string;
	readonly group: 'Move' | 'Jobs' | 'Batches' | 'Run' | 'View';
	/**
	 * Footer hint (shorter than the description), the screens that show it, and its rank
	 * when the footer is too narrow for all (0 is kept longest).
	 */
	readonly hint?: {readonly keys: string; readonly text: string; readonly in: readonly KeyContext[]; readonly rank: number};
	/** The run control it needs (a runner says which it supports), and how a notice names what it does. */
	readonly needs?: {readonly control: keyof ControlSupport; readonly what: string};
	/** Listed and hinted only in a `--batch-api` run (elsewhere the key says it does not apply). */
	readonly batchOnly?: boolean;
	/** What the key says in a `--batch-api` run, where it does something else. */
	readonly inBatch?: {readonly description: string; readonly hint: string};
}

const DETACH = 'detach (batches go on; --resume re-attaches)';

export const KEYMAP: readonly KeyBinding[] = [
	{command: 'up', keys: ['up', 'k'], label: '↑ k', description: 'select the previous job', group: 'Move', hint: {keys: '↑↓', text: 'move', in: ['table', 'detail', 'done'], rank: 2}},
	{command: 'down', keys: ['down', 'j'], label: '↓ j', description: 'select the next job', group: 'Move'},
	{command: 'pageUp', keys: ['pageup', 'ctrl+b'], label: 'PgUp', description: 'one page up', group: 'Move'},
	{command: 'pageDown', keys: ['pagedown', 'ctrl+f'], label: 'PgDn', description: 'one page down', group: 'Move'},
	{command: 'top', keys: ['g', 'home'], label: 'g Home', description: 'first job', group: 'Move'},
	{command: 'bottom', keys: ['G', 'end'], label: 'G End', description: 'last job', group: 'Move'},
	{command: 'open', keys: ['return'], label: 'Enter', description: "the selected job's details", group: 'View', hint: {keys: '⏎', text: 'details', in: ['table', 'done'], rank: 3}},
	{command: 'close', keys: ['escape'], label: 'Esc', description: 'close; clear the filters', group: 'View', hint: {keys: 'esc', text: 'close', in: ['detail', 'help'], rank: 1}},
	{command: 'retry', keys: ['r'], label: 'r', description: 'retry a failed or cancelled job', group: 'Jobs', hint: {keys: 'r', text: 'retry', in: ['table', 'detail', 'done'], rank: 4}, needs: {control: 'jobs', what: 'retrying a prompt'}},
	{command: 'cancel', keys: ['c'], label: 'c', description: 'cancel; a request is aborted', group: 'Jobs', hint: {keys: 'c', text: 'cancel', in: ['table', 'detail'], rank: 5}, needs: {control: 'jobs', what: 'cancelling a prompt'}},
	{command: 'retryAllFailed', keys: ['R'], label: 'R', description: 'retry every failed job', group: 'Jobs', hint: {keys: 'R', text: 'retry failed', in: ['table', 'done'], rank: 9}, needs: {control: 'jobs', what: 'retrying failed prompts'}},
	{command: 'pause', keys: ['p'], label: 'p', description: 'pause / resume sending', group: 'Run', hint: {keys: 'p', text: 'pause', in: ['table'], rank: 6}, needs: {control: 'pause', what: 'pausing'}},
	{command: 'concurrencyUp', keys: ['+', '='], label: '+', description: 'one more in flight (fixed)', group: 'Run', hint: {keys: '+-', text: 'concurrency', in: ['table'], rank: 10}, needs: {control: 'concurrency', what: 'changing the concurrency'}},
	{command: 'concurrencyDown', keys: ['-', '_'], label: '-', description: 'one fewer in flight (fixed)', group: 'Run', needs: {control: 'concurrency', what: 'changing the concurrency'}},
	{command: 'concurrencyAuto', keys: ['a'], label: 'a', description: 'concurrency back to auto', group: 'Run', needs: {control: 'concurrency', what: 'changing the concurrency'}},
	{command: 'filter', keys: ['/'], label: '/', description: 'filter by id or prompt text', group: 'View', hint: {keys: '/', text: 'filter', in: ['table', 'done'], rank: 7}},
	{command: 'statusFilter', keys: ['f'], label: 'f', description: 'cycle the status filter', group: 'View', hint: {keys: 'f', text: 'status', in: ['table', 'done'], rank: 8}},
	{command: 'help', keys: ['?'], label: '?', description: 'this help', group: 'View', hint: {keys: '?', text: 'help', in: ['table', 'detail', 'help', 'done'], rank: 1}},
	{command: 'batchPrev', keys: ['['], label: '[', description: 'batch cursor (›) to the previous batch', group: 'Batches', batchOnly: true},
	{command: 'batchNext', keys: [']'], label: ']', description: 'batch cursor (›) to the next batch', group: 'Batches', hint: {keys: '[]', text: 'batch', in: ['table', 'detail'], rank: 1}, batchOnly: true},
	{command: 'cancelBatch', keys: ['X'], label: 'X', description: 'cancel the batch at the cursor; done lines are kept', group: 'Batches', hint: {keys: 'X', text: 'cancel batch', in: ['table', 'detail'], rank: 1}, batchOnly: true},
	{
		command: 'quit',
		keys: ['q'],
		label: 'q',
		description: 'quit (again: abort in-flight)',
		group: 'Run',
		hint: {keys: 'q', text: 'quit', in: ['table', 'detail', 'help', 'done'], rank: 0},
		inBatch: {description: DETACH, hint: DETACH},
	},
	{command: 'interrupt', keys: ['ctrl+c'], label: 'Ctrl+C', description: 'abort in-flight and leave', group: 'Run'},
];

const byKey = new Map<string, Command>(KEYMAP.flatMap(binding => binding.keys.map(key => [key, binding.command] as const)));

/** Ink's (input, key) as one name: `up`, `pageup`, `return`, `escape`, `ctrl+c`, `j`, `G`. */
export function keyName(input: string, key: Key): string {
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.home) return 'home';
	if (key.end) return 'end';
	if (key.return) return 'return';
	if (key.escape) return 'escape';
	if (key.tab) return 'tab';
	if (key.backspace || key.delete) return 'backspace';
	if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
	return input;
}

/** The command bound to a key, if any. */
export function commandFor(name: string): Command | undefined {
	return byKey.get(name);
}

export interface Hint {
	readonly keys: string;
	readonly text: string;
}

/** The control a command needs, if any. */
export function needsOf(command: Command): KeyBinding['needs'] {
	return KEYMAP.find(binding => binding.command === command)?.needs;
}

/** The bindings a run lists: a live run none of the batch keys, a `--batch-api` run their batch wording. */
export function bindingsFor(batch = false): readonly KeyBinding[] {
	return KEYMAP.flatMap(binding => {
		if (!batch) return binding.batchOnly ? [] : [binding];
		if (!binding.inBatch) return [binding];
		const hint = binding.hint && {...binding.hint, text: binding.inBatch.hint};
		return [{...binding, description: binding.inBatch.description, hint}];
	});
}

/**
 * The footer hints of one screen that fit in `width` columns (two spaces apart), in table
 * order; without the keys of controls the run does not support; with the batch keys and
 * their wording when `batch` (a `--batch-api` run still under way).
 */
export function hintsFor(context: KeyContext, width = Infinity, supports?: ControlSupport, batch = false): readonly Hint[] {
	const usable = (binding: KeyBinding) => !binding.needs || !supports || supports[binding.needs.control];
	const all = bindingsFor(batch).flatMap(binding => (binding.hint && binding.hint.in.includes(context) && usable(binding) ? [binding.hint] : []));
	const kept = new Set<Hint>();
	let used = -2;
	for (const hint of [...all].sort((a, b) => a.rank - b.rank)) {
		const size = 2 + hint.keys.length + 1 + hint.text.length;
		if (used + size > width) continue;
		used += size;
		kept.add(hint);
	}
	return all.filter(hint => kept.has(hint));
}
