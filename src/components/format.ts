/** Numbers, times and text as the dashboard writes them. Pure functions, no React. */
import {codePointWidth, displayWidth, fitWidth, toSingleLine} from '../core/terminalText.js';
import type {JobStatus} from '../core/types.js';

export {formatInt, formatSeconds, formatUsd} from '../core/format.js';

/** 950 -> "950", 1_800 -> "1.8k", 12_345 -> "12.3k", 500_000 -> "500k", 4_560_000 -> "4.56M". */
export function formatCompact(n: number): string {
	const abs = Math.abs(n);
	if (abs < 1000) return String(Math.round(n));
	const [value, unit] = abs < 999_500 ? [n / 1000, 'k'] : [n / 1_000_000, 'M'];
	const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
	// 1.80k -> 1.8k, 500.0k -> 500k
	return `${value.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')}${unit}`;
}

/** Elapsed run time as a clock: "00:07", "12:34", "1:02:03". */
export function formatElapsedClock(ms: number): string {
	const total = Math.floor(Math.max(0, ms) / 1000);
	const h = Math.floor(total / 3600);
	const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
	const ss = String(total % 60).padStart(2, '0');
	return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export const STATUS_GLYPH: Readonly<Record<JobStatus, string>> = {
	queued: '·',
	running: '▸',
	waiting: '↻',
	succeeded: '✓',
	failed: '✗',
	cancelled: '⊘',
	skipped: '–',
};

/** The short name of each status, as the counts and the status filter write it. */
export const STATUS_LABEL: Readonly<Record<JobStatus, string>> = {
	queued: 'queued',
	running: 'running',
	waiting: 'waiting',
	succeeded: 'done',
	failed: 'failed',
	cancelled: 'cancelled',
	skipped: 'skipped',
};

/** One line of untrusted text cut to `width` columns. */
export function oneLine(text: string, width: number): string {
	return width <= 0 ? '' : fitWidth(toSingleLine(text), width);
}

/**
 * Word-wraps `text` to lines of at most `width` columns (hard-breaking longer words).
 * Control characters are dropped; newlines in the text start new lines.
 */
export function wrapLines(text: string, width: number): string[] {
	const lines: string[] = [];
	if (width <= 0) return lines;
	for (const paragraph of text.split(/\r?\n/)) {
		let line = '';
		let used = 0;
		const clean = paragraph.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/\s+/g, ' ');
		for (const word of clean.split(' ')) {
			const w = displayWidth(word);
			if (used > 0 && used + 1 + w <= width) {
				line += ` ${word}`;
				used += 1 + w;
				continue;
			}
			if (used > 0) lines.push(line);
			line = '';
			used = 0;
			for (const char of word) {
				const cw = codePointWidth(char.codePointAt(0)!);
				if (used + cw > width) {
					lines.push(line);
					line = '';
					used = 0;
				}
				line += char;
				used += cw;
			}
		}
		lines.push(line);
	}
	return lines;
}
