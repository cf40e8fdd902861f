import {Box} from 'ink';
import {useReducer, useState} from 'react';
import type {BatchControls} from '../batch/batchRow.js';
import type {RunControls} from '../core/controls.js';
import type {Clock} from '../core/types.js';
import {BatchPanel, batchPanelRows} from './BatchPanel.js';
import {ClusterPanel, clusterPanelRows} from './ClusterPanel.js';
import {DetailPane} from './DetailPane.js';
import {DiskBanner, diskBanner} from './DiskBanner.js';
import {FilterBar} from './FilterBar.js';
import {Header} from './Header.js';
import {HelpBar, type Notice} from './HelpBar.js';
import {HelpScreen} from './HelpScreen.js';
import {JobTable} from './JobTable.js';
import {screenLayout} from './layout.js';
import {Meters} from './Meters.js';
import {Progress} from './Progress.js';
import {Summary} from './Summary.js';
import {runCommand, type QuitStep} from './commands.js';
import {useJobList} from './useJobList.js';
import {useKeymap} from './useKeymap.js';
import {useNotice} from './useNotice.js';
import {useNow} from './useNow.js';
import {useRunView, type RunView} from './useRunView.js';
import {useSelection} from './useSelection.js';
import {useTerminalSize} from './useTerminalSize.js';
import {hasFilter, initialView, viewReducer} from './viewState.js';

export interface AppProps {
	/** The run, usually through a throttled view (`flush` shows a keypress's effect at once). */
	readonly view: RunView & {flush?(): void};
	readonly controls: RunControls;
	/** Time for countdowns and elapsed time. */
	readonly clock: Clock;
	readonly outPath: string | null;
	/** `q`: leave a finished run, or stop a running one (gracefully, then by aborting). */
	readonly onQuit: () => QuitStep;
	/** Ctrl+C: abort in-flight requests and leave. */
	readonly onInterrupt: () => void;
	/** A `--batch-api` run's controls: the batch keys act on them, and `q` detaches. @default undefined (not one) */
	readonly batchControls?: BatchControls;
	/** `q` in a `--batch-api` run under way: detach and leave. @default batchControls.detach */
	readonly onDetach?: () => void;
}

/** How often countdowns and elapsed time move. */
const TICK_MS = 200;

function quitNotice(step: QuitStep | null, inFlight: number): Notice | null {
	if (step === 'finishing') return {text: `quitting: ${inFlight} in flight finishing · q again or Ctrl+C aborts them`, tone: 'warning'};
	if (step === 'aborting') return {text: 'quitting: aborting in-flight requests…', tone: 'danger'};
	return null;
}

/** The dashboard: lays the parts out for the terminal's size and routes keys to commands. */
export function App({view, controls, clock, outPath, onQuit, onInterrupt, batchControls, onDetach}: AppProps) {
	const size = useTerminalSize();
	const [state, dispatch] = useReducer(viewReducer, initialView);
	const [quitStep, setQuitStep] = useState<QuitStep | null>(null);
	const [notice, notify] = useNotice();
	const phase = useRunView(view, s => s.run.phase);
	const inFlight = useRunView(view, s => s.counts.running);
	const total = useRunView(view, s => s.total);
	const disk = useRunView(view, s => s.disk);
	const cluster = useRunView(view, s => s.cluster);
	const batches = useRunView(view, s => s.batches);
	const [batchCursor, setBatchCursor] = useState(0);
	const cursor = Math.max(0, Math.min(batchCursor, (batches?.length ?? 0) - 1));
	// Once the run is over there is nothing to detach from: the keys read as in any run.
	const batchRun = batchControls != null && phase !== 'done';
	// Ticking while the disk line shows, too: it goes by itself a few seconds after recovery.
	const now = useNow(clock, TICK_MS, (phase !== 'done' && phase !== 'idle') || disk != null, view);
	const banner = diskBanner(disk, now);
	const filterBar = state.editing || hasFilter(state);
	const layout = screenLayout(size, {
		filterBar,
		banner: banner != null,
		clusterRows: cluster ? clusterPanelRows(cluster.figures?.workers.length ?? 0) : 0,
		batchRows: batches ? batchPanelRows(batches.length) : 0,
	});
	const ids = useJobList(view, state.query, state.status);
	const pageSize = Math.max(1, layout.bodyRows - 1);
	const selection = useSelection(ids, pageSize);

	useKeymap(state.editing, {
		onCommand: command =>
			runCommand(command, {
				view,
				controls,
				state,
				dispatch,
				selection,
				ids,
				pageSize,
				notify,
				onQuit,
				onInterrupt,
				onQuitStep: setQuitStep,
				batch: batchControls ? {controls: batchControls, cursor, moveCursor: setBatchCursor, detach: onDetach ?? (() => batchControls.detach())} : null,
			}),
		onText: edit => {
			if ('text' in edit) dispatch({type: 'type', text: edit.text});
			else if (edit.key === 'backspace') dispatch({type: 'erase'});
			else dispatch({type: edit.key === 'return' ? 'keepFilter' : 'clearFilter'});
		},
	});

	const {width, bodyRows} = layout;
	return (
		<Box flexDirection="column" width={width} height={layout.height} overflowY="hidden">
			<Header view={view} now={now} width={width} />
			{banner ? <DiskBanner {...banner} /> : null}
			{phase === 'done' ? (
				<Summary view={view} width={width} outPath={outPath} rows={layout.statsRows} canRetry={controls.supports.jobs} />
			) : (
				<>
					<Progress view={view} width={width} />
					{layout.statsRows >= 4 ? <Meters view={view} width={width} /> : null}
				</>
			)}
			{cluster && layout.clusterRows > 0 ? <ClusterPanel cluster={cluster} width={width} rows={layout.clusterRows} now={now} /> : null}
			{batches && layout.batchRows > 0 ? <BatchPanel batches={batches} width={width} rows={layout.batchRows} now={now} cursor={cursor} /> : null}
			{state.screen === 'detail' ? (
				<DetailPane view={view} id={selection.selectedId} width={width} height={bodyRows} now={now} outPath={outPath} />
			) : state.screen === 'help' ? (
				<HelpScreen width={width} height={bodyRows} batch={batchRun} />
			) : (
				<JobTable view={view} ids={ids} offset={selection.offset} selectedIndex={selection.index} rows={bodyRows} width={width} now={now} />
			)}
			{filterBar ? <FilterBar query={state.query} editing={state.editing} status={state.status} matches={ids.length} total={total} /> : null}
			<HelpBar context={state.screen === 'table' && phase === 'done' ? 'done' : state.screen} width={width} notice={quitNotice(quitStep, inFlight) ?? notice} supports={controls.supports} batch={batchRun} />
		</Box>
	);
}
