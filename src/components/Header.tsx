import {Box, Text} from 'ink';
import type {RunPhase} from '../store/runStore.js';
import {formatElapsedClock} from './format.js';
import {useTheme, type Theme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface HeaderProps {
	readonly view: RunView;
	/** The injected clock's time, for the elapsed figure. */
	readonly now: number;
	readonly width: number;
}

const PHASE: Record<RunPhase, {glyph: string; colour: (theme: Theme) => string | undefined}> = {
	idle: {glyph: '·', colour: theme => theme.muted},
	running: {glyph: '▸', colour: theme => theme.ok},
	paused: {glyph: '‖', colour: theme => theme.warning},
	stopping: {glyph: '■', colour: theme => theme.warning},
	done: {glyph: '✓', colour: theme => theme.accent},
};

/** pacer · model · endpoint, and on the right the run state and elapsed time. */
export function Header({view, now, width}: HeaderProps) {
	const theme = useTheme();
	const run = useRunView(view, state => state.run);
	const held = useRunView(view, state => state.disk?.state === 'held');
	const elapsed = run.startedAt == null ? 0 : (run.finishedAt ?? now) - run.startedAt;
	// The run's own hold (its results cannot be written) says so, apart from the user's pause.
	const onHold = held && (run.phase === 'running' || run.phase === 'paused');
	const phase = onHold ? PHASE.paused : PHASE[run.phase];
	const right = `${phase.glyph} ${onHold ? 'on hold' : run.phase}  ${formatElapsedClock(elapsed)}`;
	return (
		<Box width={width} justifyContent="space-between">
			<Box flexShrink={1}>
				<Text wrap="truncate">
					<Text bold color={theme.accent}>
						pacer
					</Text>
					<Text color={theme.muted}> · </Text>
					{run.model}
					<Text color={theme.muted}> · </Text>
					{run.endpoint}
					{run.apiNote ? <Text color={theme.warning}> · {run.apiNote}</Text> : null}
				</Text>
			</Box>
			<Box flexShrink={0} marginLeft={1}>
				<Text bold color={phase.colour(theme)}>
					{right}
				</Text>
			</Box>
		</Box>
	);
}
