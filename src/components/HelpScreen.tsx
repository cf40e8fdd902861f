import {Box, Text} from 'ink';
import {bindingsFor, KEYMAP, type KeyBinding} from './keymap.js';
import {useTheme} from './theme.js';

export interface HelpScreenProps {
	readonly width: number;
	readonly height: number;
	/** A `--batch-api` run under way: its batch keys, and what `q` does there. @default false */
	readonly batch?: boolean;
}

const GROUPS: ReadonlyArray<KeyBinding['group']> = ['Move', 'View', 'Jobs', 'Batches', 'Run'];
const KEY_WIDTH = 2 + Math.max(...KEYMAP.map(binding => binding.label.length)) + 1;

type Line = {kind: 'group'; text: string} | {kind: 'key'; binding: KeyBinding};

/** Groups into columns of at most `height` lines, a group never split unless it alone is taller. */
export function helpColumns(height: number, batch = false): Line[][] {
	const columns: Line[][] = [[]];
	const bindings = bindingsFor(batch);
	for (const group of GROUPS) {
		const keys = bindings.filter(binding => binding.group === group);
		if (keys.length === 0) continue;
		const lines: Line[] = [{kind: 'group', text: group}, ...keys.map(binding => ({kind: 'key' as const, binding}))];
		const current = columns.at(-1)!;
		if (current.length > 0 && current.length + lines.length > height) columns.push([]);
		for (const line of lines) {
			if (columns.at(-1)!.length >= height) columns.push([]);
			columns.at(-1)!.push(line);
		}
	}
	return columns;
}

/** Every key from the keymap, by group, in as many columns as the height needs. */
export function HelpScreen({width, height, batch = false}: HelpScreenProps) {
	const theme = useTheme();
	const columns = helpColumns(Math.max(1, height - 1), batch);
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
