/**
 * How the screen's rows and the table's columns are shared out. The whole screen is one
 * row shorter than the terminal: Ink clears the terminal before every frame that fills
 * it, which is the flicker this avoids.
 */
import type {TerminalSize} from './useTerminalSize.js';

export interface ScreenLayout {
	readonly width: number;
	/** Rows the dashboard draws: the terminal's rows minus one. */
	readonly height: number;
	/** Progress + meters (or the summary): 4 rows, 2 on a very short terminal. */
	readonly statsRows: number;
	/** The table, details or help, between the stats and the footer. */
	readonly bodyRows: number;
}

const HEADER_ROWS = 1;
const FOOTER_ROWS = 1;

/** The table keeps at least this many rows: a short terminal gets a panel's first line only. */
const MIN_TABLE_ROWS = 5;

/** A panel's rows: all it wants while the table keeps its minimum, else its first line. */
const panelRows = (wanted: number, spare: number) => (wanted === 0 ? 0 : spare - wanted >= MIN_TABLE_ROWS ? wanted : 1);

/**
 * `banner`: the one-line disk banner under the header; `clusterRows`, `batchRows`: the rows
 * a cluster panel and a batch panel want.
 */
export function screenLayout(
	size: TerminalSize,
	options: {filterBar: boolean; banner?: boolean; clusterRows?: number; batchRows?: number},
): ScreenLayout & {clusterRows: number; batchRows: number} {
	const height = Math.max(1, size.rows - 1);
	const statsRows = height >= 14 ? 4 : 2;
	const fixed = HEADER_ROWS + statsRows + FOOTER_ROWS + (options.filterBar ? 1 : 0) + (options.banner ? 1 : 0);
	const clusterRows = panelRows(options.clusterRows ?? 0, height - fixed);
	const batchRows = panelRows(options.batchRows ?? 0, height - fixed - clusterRows);
	return {width: Math.max(20, size.columns), height, statsRows, clusterRows, batchRows, bodyRows: Math.max(1, height - fixed - clusterRows - batchRows)};
}

export interface TableColumns {
	readonly line: number;
	readonly id: number;
	readonly status: number;
	readonly attempts: number;
	readonly tokensIn: number;
	readonly tokensOut: number;
	readonly latency: number;
	readonly prompt: number;
}

/** Marker and the single spaces between the nine columns. */
const GAPS = 1 + 8 + 1;

/** Column widths for a table `width` wide whose longest line number and id are given. */
export function tableColumns(width: number, longest: {line: number; id: number}): TableColumns {
	const line = Math.max(1, String(longest.line).length);
	const idCap = width < 100 ? 12 : width < 140 ? 20 : 32;
	const id = Math.max(2, Math.min(longest.id, idCap));
	const fixed = {status: 17, attempts: 3, tokensIn: 6, tokensOut: 6, latency: 7};
	const used = GAPS + line + id + fixed.status + fixed.attempts + fixed.tokensIn + fixed.tokensOut + fixed.latency;
	return {line, id, ...fixed, prompt: Math.max(0, width - used)};
}
