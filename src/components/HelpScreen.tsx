import {Box, Text} from 'ink';
import {KEYMAP, type KeyBinding} from './keymap.js';
import {useTheme} from './theme.js';

export interface HelpScreenProps {
	readonly width: number;
	readonly height: number;
}

const GROUPS: ReadonlyArray<KeyBinding['group']> = ['Move', 'View', 'Jobs', 'Run'];
const KEY_WIDTH = 8;

type Line = {kind: 'group'; text: string} | {kind: 'key'; binding: KeyBinding};

/** Every key from the keymap, by group, in as many columns as the height needs. */
export function HelpScreen({width, height}: HelpScreenProps) {
	const theme = useTheme();
	const lines: Line[] = GROUPS.flatMap(group => [
		{kind: 'group' as const, text: group},
		...KEYMAP.filter(binding => binding.group === group).map(binding => ({kind: 'key' as const, binding})),
	]);
	const perColumn = Math.max(1, height - 1);
	const columns: Line[][] = [];
	for (let i = 0; i < lines.length; i += perColumn) columns.push(lines.slice(i, i + perColumn));
	const columnWidth = Math.floor(width / Math.max(1, columns.length));
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate">
				Keys <Text color={theme.muted}>(Esc or ? closes)</Text>
			</Text>
			<Box>
				{columns.map((column, c) => (
					<Box key={c} flexDirection="column" width={columnWidth}>
						{column.map(line =>
							line.kind === 'group' ? (
								<Text key={line.text} bold color={theme.muted} wrap="truncate">
									{line.text}
								</Text>
							) : (
								<Text key={line.binding.command} wrap="truncate">
									<Text bold color={theme.accent}>
										{`  ${line.binding.label}`.padEnd(KEY_WIDTH)}
									</Text>
									{line.binding.description}
								</Text>
							),
						)}
					</Box>
				))}
			</Box>
		</Box>
	);
}
