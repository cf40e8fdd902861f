import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import type {BatchRow} from '../../src/batch/batchRow.js';
import {BatchPanel, batchPanelRows} from '../../src/components/BatchPanel.js';
import {batchProgress, cancelRefusal, shortenId} from '../../src/components/batchView.js';
import {screenLayout} from '../../src/components/layout.js';
import {stripAnsi} from '../helpers/terminal.js';

const NOW = 1_700_000_000_000;
const MIN = 60_000;

/** Part `part` of 3 (50,000 lines each) as the runner reports it. */
function batch(part: number, fields: Partial<BatchRow> = {}): BatchRow {
	return {
		part,
		parts: 3,
		firstLine: (part - 1) * 50_000 + 1,
		lastLine: part * 50_000,
		requests: 50_000,
		fileId: `file-${part}abc`,
		batchId: `batch_69f0c2e4a1b8d3${part}e5f7a9c0b2d4`,
		status: 'in_progress',
		completed: 0,
		failed: 0,
		createdAt: NOW - 12 * MIN,
		endedAt: null,
		note: null,
		...fields,
	};
}

const ROWS = [
	batch(1, {status: 'completed', completed: 49_990, failed: 10, endedAt: NOW - 2 * MIN}),
	batch(2, {completed: 12_345, failed: 3}),
	batch(3, {status: 'uploading', fileId: null, batchId: null, createdAt: null}),
];

const frameOf = (rows: readonly BatchRow[], width: number, panelRows = batchPanelRows(rows.length), cursor = 0) =>
	stripAnsi(render(<BatchPanel batches={rows} width={width} rows={panelRows} now={NOW} cursor={cursor} />).lastFrame()!).split('\n');

test('at 120 columns: the run’s progress, then each part with its lines, status, counts, elapsed and batch id', () => {
	const lines = frameOf(ROWS, 120);
	expect(lines[0]).toBe('batches · 62,348/150,000 requests (13 failed) · 1/3 parts done');
	// An ended batch shows how long it took (created 12 min ago, ended 2 min ago); one under way, its time so far.
	expect(lines[1]).toBe('› 1/3 lines 1–50000       completed     50k✓ 10✗ of 50k 10:00 batch_69f0c2e4a1b8d31e5f7a9c0b2d4');
	expect(lines[2]).toBe('  2/3 lines 50001–100000  in progress 12.3k✓  3✗ of 50k 12:00 batch_69f0c2e4a1b8d32e5f7a9c0b2d4');
	expect(lines[3]).toBe('  3/3 lines 100001–150000 uploading       0✓  0✗ of 50k     –');
	expect(lines).toHaveLength(4);
});

test('at 80 columns every row fits: the batch id is shortened, keeping its head and its end', () => {
	const lines = frameOf(ROWS, 80);
	for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
	expect(lines[2]).toMatch(/^ {2}2\/3 lines 50001–100000 +in progress 12\.3k✓ +3✗ of 50k 12:00 batch_\w+…b2d4$/);
	expect(lines[2]).toHaveLength(80);
	expect(shortenId('batch_69f0c2e4a1b8d32e5f7a9c0b2d4', 14)).toBe('batch_69f…b2d4');
	expect(shortenId('batch_1', 14)).toBe('batch_1');
});

test('every status in words; a note says why a batch failed or expired', () => {
	const rows = [
		batch(1, {status: 'validating', completed: 0}),
		batch(2, {status: 'failed', endedAt: NOW, note: 'validation failed: line 3 has no body'}),
		batch(3, {status: 'expired', endedAt: NOW, completed: 40_000, note: 'expired after 24h'}),
	];
	const lines = frameOf(rows, 120);
	expect(lines[1]).toContain(' validating ');
	expect(lines[2]).toMatch(/ failed .* validation failed: line 3 has no body$/);
	expect(lines[3]).toMatch(/ expired .* expired after 24h$/);
	expect(lines[0]).toContain('2/3 parts done');
	for (const status of ['finalizing', 'cancelling', 'cancelled', 'collecting', 'collected', 'preparing', 'creating'] as const) {
		expect(frameOf([batch(1, {status})], 120)[1]).toContain(` ${status} `);
	}
});

test('more batches than rows: the rest are counted as "+k more", and the cursor stays in view', () => {
	const many = Array.from({length: 9}, (_, k) => batch(k + 1, {parts: 9}));
	expect(batchPanelRows(9)).toBe(6);
	const top = frameOf(many, 100);
	expect(top).toHaveLength(6);
	expect(top[0]).toContain('0/9 parts done · +4 more');
	expect(top[1]).toMatch(/^› 1\/9 /);
	const down = frameOf(many, 100, 6, 7);
	expect(down.slice(1).map(line => line.slice(0, 6))).toEqual(['  4/9 ', '  5/9 ', '  6/9 ', '  7/9 ', '› 8/9 ']);
	expect(frameOf(many, 100, 1)).toEqual(['batches · 0/450,000 requests · 0/9 parts done · +9 more']);
});

test('before the first part exists the panel says what it waits for', () => {
	expect(frameOf([], 80)).toEqual(['batches preparing the request files…']);
});

test('the panel takes rows from the table, down to its progress line on a short terminal', () => {
	const tall = screenLayout({columns: 80, rows: 24}, {filterBar: false, batchRows: batchPanelRows(3)});
	expect(tall.batchRows).toBe(4);
	expect(tall.bodyRows).toBe(screenLayout({columns: 80, rows: 24}, {filterBar: false}).bodyRows - 4);
	expect(screenLayout({columns: 80, rows: 12}, {filterBar: false, batchRows: 6}).batchRows).toBe(1);
});

test('progress and what the cancel key may act on', () => {
	expect(batchProgress(ROWS)).toEqual({done: 62_348, failed: 13, requests: 150_000, partsEnded: 1, parts: 3});
	expect(cancelRefusal(ROWS[1]!)).toBeNull();
	expect(cancelRefusal(ROWS[0]!)).toBe('part 1/3: its batch has already ended (completed)');
	expect(cancelRefusal(ROWS[2]!)).toBe('part 3/3 has no batch to cancel yet (uploading)');
	expect(cancelRefusal(batch(2, {status: 'cancelling'}))).toBe('part 2/3: its batch is already being cancelled');
});
