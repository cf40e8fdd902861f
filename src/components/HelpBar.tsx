import {Text} from 'ink';
import type {ControlSupport} from '../core/controls.js';
import {hintsFor, type KeyContext} from './keymap.js';
import {useTheme} from './theme.js';

export interface Notice {
	readonly text: string;
	readonly tone: 'info' | 'warning' | 'danger';
}

export interface HelpBarProps {
	readonly context: KeyContext;
	readonly width: number;
	/** Shown instead of the hints (what a key just did, or what quitting waits for). */
	readonly notice?: Notice | null;
	/** The controls the run supports: keys of the others are not hinted. @default all */
	readonly supports?: ControlSupport;
	/** A `--batch-api` run under way: the batch keys, and `q` as detach. @default false */
	readonly batch?: boolean;
}

/** The footer: the current screen's key hints from the keymap, as many as fit. */
export function HelpBar({context, width, notice, supports, batch = false}: HelpBarProps) {
	const theme = useTheme();
	if (notice) {
		const colour = notice.tone === 'danger' ? theme.danger : notice.tone === 'warning' ? theme.warning : theme.accent;
		return (
			<Text wrap="truncate" color={colour} bold>
				{notice.text}
			</Text>
		);
	}
	const shown = hintsFor(context, width, supports, batch);
	return (
		<Text wrap="truncate">
			{shown.map((hint, i) => (
				<Text key={hint.keys}>
					{i > 0 ? '  ' : ''}
					<Text bold color={theme.accent}>
						{hint.keys}
					</Text>
					<Text color={theme.muted}> {hint.text}</Text>
				</Text>
			))}
		</Text>
	);
}
