import type {Dispatch} from 'react';
import type {BatchControls} from '../batch/batchRow.js';
import type {RunControls} from '../core/controls.js';
import {cancelRefusal} from './batchView.js';
import type {Notice} from './HelpBar.js';
import {needsOf, type Command} from './keymap.js';
import type {RunView} from './useRunView.js';
import type {Selection} from './useSelection.js';
import type {ViewAction, ViewState} from './viewState.js';

/** What `q` did: left a finished run, began a graceful stop, or aborted in-flight requests. */
export type QuitStep = 'leaving' | 'finishing' | 'aborting';

export interface CommandContext {
	readonly view: RunView & {flush?(): void};
	readonly controls: RunControls;
	readonly state: ViewState;
	readonly dispatch: Dispatch<ViewAction>;
	readonly selection: Selection;
	readonly ids: readonly string[];
	readonly pageSize: number;
	readonly notify: (text: string, tone?: Notice['tone']) => void;
	readonly onQuit: () => QuitStep;
	readonly onInterrupt: () => void;
	readonly onQuitStep: (step: QuitStep) => void;
	/** A `--batch-api` run's controls and batch cursor; null for any other run. */
	readonly batch: BatchCommandContext | null;
}

export interface BatchCommandContext {
	readonly controls: BatchControls;
	/** Index into the run's batches of the one the cancel key acts on. */
	readonly cursor: number;
	moveCursor(index: number): void;
	/** `q` while the batches are under way: stop watching and leave them running. */
	detach(): void;
}

const NOT_BATCH = 'only a --batch-api run has batches';

/** What each command does. Reads the run at the moment of the keypress, never in render. */
export function runCommand(command: Command, ctx: CommandContext): void {
	const {controls, selection, dispatch, notify} = ctx;
	const needs = needsOf(command);
	if (needs && !controls.supports[needs.control]) {
		notify(`${needs.what} is not something this run can do`, 'warning');
		return;
	}
	const run = ctx.view.getState();
	const id = selection.selectedId;
	const job = id == null ? undefined : run.jobs.get(id);
	switch (command) {
		case 'up':
			return selection.moveBy(-1);
		case 'down':
			return selection.moveBy(1);
		case 'pageUp':
			return selection.moveBy(-ctx.pageSize);
		case 'pageDown':
			return selection.moveBy(ctx.pageSize);
		case 'top':
			return selection.moveTo(0);
		case 'bottom':
			return selection.moveTo(ctx.ids.length - 1);
		case 'open':
			if (job) dispatch({type: 'open'});
			return;
		case 'close':
			return dispatch({type: 'close'});
		case 'help':
			return dispatch({type: 'toggleHelp'});
		case 'filter':
			return dispatch({type: 'editFilter'});
		case 'statusFilter':
			return dispatch({type: 'cycleStatus'});
		case 'retry':
			if (!job) return;
			if (controls.retry(job.id)) notify(`${job.id}: queued again`);
			else notify(`${job.id} is ${job.status}: only failed, cancelled or skipped jobs can be retried${run.run.phase === 'stopping' ? ' (the run is stopping)' : ''}`, 'warning');
			break;
		case 'cancel':
			if (!job) return;
			if (job.status === 'queued' || job.status === 'waiting' || job.status === 'running') {
				controls.cancel(job.id);
				notify(`${job.id}: cancelled${job.status === 'running' ? ' (request aborted)' : ''}`);
			} else {
				notify(`${job.id} has already ended (${job.status})`, 'warning');
			}
			break;
		case 'retryAllFailed': {
			const n = controls.retryAllFailed();
			notify(n ? `${n} failed job${n === 1 ? '' : 's'} queued again` : 'no failed jobs to retry', n ? 'info' : 'warning');
			break;
		}
		case 'pause':
			if (run.run.phase === 'paused') {
				controls.resume();
				notify('resumed');
			} else if (run.run.phase === 'running') {
				controls.pause();
				notify('paused: nothing new is sent; in-flight requests go on (p resumes)', 'warning');
			}
			break;
		case 'concurrencyUp':
		case 'concurrencyDown': {
			// From the value in force, auto's included: the key fixes it there, one step on.
			const next = Math.max(1, run.rate.concurrency + (command === 'concurrencyUp' ? 1 : -1));
			controls.setConcurrency(next);
			notify(`concurrency ${next} fixed: at most ${next} in flight (a: back to auto)`);
			break;
		}
		case 'concurrencyAuto':
			controls.setConcurrency('auto');
			notify(`concurrency auto: adapts between 1 and ${run.rate.maxConcurrency}`);
			break;
		case 'batchPrev':
		case 'batchNext': {
			if (!ctx.batch) return notify(`moving the batch cursor: ${NOT_BATCH}`, 'warning');
			const rows = run.batches ?? [];
			if (rows.length === 0) return notify('no batch yet: the request files are being prepared', 'warning');
			ctx.batch.moveCursor(Math.max(0, Math.min(rows.length - 1, ctx.batch.cursor + (command === 'batchNext' ? 1 : -1))));
			break;
		}
		case 'cancelBatch': {
			if (!ctx.batch) return notify(`cancelling a batch: ${NOT_BATCH}`, 'warning');
			const row = run.batches?.[ctx.batch.cursor];
			if (!row) return notify('no batch yet: the request files are being prepared', 'warning');
			const refusal = cancelRefusal(row);
			if (refusal) return notify(refusal, 'warning');
			ctx.batch.controls.cancelBatch(row.batchId!);
			notify(`part ${row.part}/${row.parts}: cancelling ${row.batchId} (its finished lines are kept)`);
			break;
		}
		case 'quit':
			// Detaching from a run that is over would leave nothing running: q just leaves.
			if (ctx.batch && run.run.phase !== 'done') return ctx.batch.detach();
			ctx.onQuitStep(ctx.onQuit());
			break;
		case 'interrupt':
			ctx.onInterrupt();
			ctx.onQuitStep('aborting');
			break;
	}
	// Show what the key did now rather than at the next throttled update.
	ctx.view.flush?.();
}
