import {Box, Text} from 'ink';
import type {ClusterState, WorkerFigures} from '../store/runStore.js';
import {formatCompact} from './format.js';
import {useTheme} from './theme.js';

export interface ClusterPanelProps {
	readonly cluster: ClusterState;
	readonly width: number;
	/** Rows it may draw: the budget line, then one row a worker. */
	readonly rows: number;
	/** For how long ago a gone worker was last seen. */
	readonly now: number;
}

/** Rows a panel of `workers` wants: the budget line and one a worker, at most 4 workers. */
export function clusterPanelRows(workers: number): number {
	return 1 + Math.min(4, Math.max(1, workers));
}

const SOURCE: Record<string, string> = {flags: '', headers: ' (learned)', 'flags+headers': ' (caps + learned)'};

const limitText = (now: number, limit: number | null) => `${formatCompact(now)}/${limit == null ? '–' : formatCompact(limit)}`;

/** One worker: what it has in flight and done, its pace, and its share of the budget; or that it is gone. */
export function workerText(worker: WorkerFigures, now: number): string {
	if (worker.gone) return `gone · ${worker.done} done · last seen ${Math.round((now - worker.seenAt) / 1000)}s ago`;
	const share = worker.rpm == null ? '' : ` · uses ${formatCompact(worker.rpm)} rpm ${formatCompact(worker.tpm ?? 0)} tpm`;
	return `${worker.inFlight} in flight · ${worker.done} done · ${worker.perMinute}/min${share}`;
}

/** The workers of a shared queue and the scope's budget they share (a collector's dashboard). */
export function ClusterPanel({cluster, width, rows, now}: ClusterPanelProps) {
	const theme = useTheme();
	const figures = cluster.figures;
	const sep = <Text color={theme.muted}> · </Text>;
	const workers = figures?.workers ?? [];
	const shown = workers.slice(0, Math.max(0, rows - 1));
	const live = workers.filter(w => !w.gone).length;
	const nameWidth = Math.min(32, Math.max(8, ...shown.map(w => w.name.length)));
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				<Text color={theme.accent}>cluster</Text>
				{figures ? (
					<>
						<Text color={theme.muted}> {figures.queue}</Text>
						{sep}
						{live} worker{live === 1 ? '' : 's'}
						{figures.paused ? (
							<>
								{sep}
								<Text color={theme.warning}>queue paused</Text>
							</>
						) : null}
						{sep}
						<Text color={theme.muted}>shared rpm </Text>
						{limitText(figures.rpmNow, figures.rpmLimit)}
						<Text color={theme.muted}> tpm </Text>
						{limitText(figures.tpmNow, figures.tpmLimit)}
						<Text color={theme.muted}>{figures.limitSource ? (SOURCE[figures.limitSource] ?? '') : ''}</Text>
						{figures.othersRpm > 0 ? (
							<>
								{sep}
								<Text color={theme.muted}>others </Text>
								{formatCompact(figures.othersRpm)} rpm
							</>
						) : null}
						{workers.length > shown.length ? <Text color={theme.muted}> · +{workers.length - shown.length} more</Text> : null}
					</>
				) : (
					<Text color={theme.muted}> reading the workers…</Text>
				)}
				{cluster.note ? (
					<>
						{sep}
						<Text color={theme.warning}>{cluster.note}</Text>
					</>
				) : null}
			</Text>
			{figures && workers.length === 0 && rows > 1 ? <Text color={theme.muted}>  no worker yet</Text> : null}
			{shown.map(worker => (
				<Text key={worker.name} wrap="truncate">
					{'  '}
					<Text color={worker.gone ? theme.danger : undefined}>{worker.name.padEnd(nameWidth)}</Text>
					<Text color={worker.gone ? theme.danger : theme.muted}> {workerText(worker, now)}</Text>
				</Text>
			))}
		</Box>
	);
}
