import {Text} from 'ink';
import {formatInt} from './format.js';
import {useTheme} from './theme.js';
import type {StatusFilter} from './useJobList.js';

export interface FilterBarProps {
	readonly query: string;
	/** The text filter has the keyboard. */
	readonly editing: boolean;
	readonly status: StatusFilter;
	readonly matches: number;
	readonly total: number;
}

/** The active filters and how many jobs they leave; a text cursor while typing. */
export function FilterBar({query, editing, status, matches, total}: FilterBarProps) {
	const theme = useTheme();
	return (
		<Text wrap="truncate">
			<Text bold color={theme.accent}>
				/
			</Text>
			<Text inverse={editing && !query}>{query || (editing ? ' ' : '')}</Text>
			{editing && query ? <Text inverse> </Text> : null}
			<Text color={theme.muted}>{query || editing ? '  ' : ''}status </Text>
			<Text bold color={status === 'all' ? undefined : theme.status[status]}>
				{status}
			</Text>
			<Text color={theme.muted}>
				{`  ${formatInt(matches)} of ${formatInt(total)}`}
				{editing ? '  ⏎ keep  esc clear' : '  esc clears'}
			</Text>
		</Text>
	);
}
