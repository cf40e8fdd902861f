import {Box, Text} from 'ink';
import {useMemo} from 'react';
import {pad} from '../core/terminalText.js';
import {JobRow} from './JobRow.js';
import {tableColumns, type TableColumns} from './layout.js';
import {useTheme} from './theme.js';
import {useRunView, type RunView} from './useRunView.js';

export interface JobTableProps {
	readonly view: RunView;
	/** The (filtered) jobs in order; only `rows` of them, from `offset`, are rendered. */
	readonly ids: readonly string[];
	readonly offset: number;
	readonly selectedIndex: number;
	/** Rows for the table including its heading. */
	readonly rows: number;
	readonly width: number;
	readonly now: number;
}

function heading(columns: TableColumns): string {
	return (
		`  ${pad('#', columns.line, 'right')} ${pad('id', columns.id)} ${pad('status', columns.status)} ` +
		`${pad('try', columns.attempts, 'right')} ${pad('in', columns.tokensIn, 'right')} ${pad('out', columns.tokensOut, 'right')} ` +
		`${pad('latency', columns.latency, 'right')}${columns.prompt > 0 ? ' prompt' : ''}`
	);
}

/** The jobs, one a row; only the visible slice is rendered, whatever the batch's size. */
export function JobTable({view, ids, offset, selectedIndex, rows, width, now}: JobTableProps) {
	const theme = useTheme();
	const total = useRunView(view, state => state.total);
	// The table keeps the longest line number and id as jobs come: nothing to scan here.
	const {line, id} = useMemo(() => view.getState().jobs.longest, [view, total]);
	const columns = useMemo(() => tableColumns(width, {line, id}), [width, line, id]);
	const visible = ids.slice(offset, offset + Math.max(0, rows - 1));
	return (
		<Box flexDirection="column" width={width} height={rows} overflowY="hidden">
			<Text bold color={theme.muted} wrap="truncate">
				{heading(columns)}
			</Text>
			{visible.length === 0 ? (
				<Text color={theme.muted}>{total === 0 ? '  no jobs' : '  no job matches the filter'}</Text>
			) : (
				visible.map((id, i) => <JobRow key={id} view={view} id={id} selected={offset + i === selectedIndex} columns={columns} now={now} />)
			)}
		</Box>
	);
}
