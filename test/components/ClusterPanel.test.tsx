import {render} from 'ink-testing-library';
import {expect, test} from 'vitest';
import {ClusterPanel, clusterPanelRows, workerText} from '../../src/components/ClusterPanel.js';
import {screenLayout} from '../../src/components/layout.js';
import {clusterFigures, type WorkerBeat} from '../../src/redis/cluster.js';
import {stripAnsi} from '../helpers/terminal.js';

const NOW = 1_700_000_000_000;
const beat = (name: string, fields: Partial<WorkerBeat> = {}): WorkerBeat => ({name, host: name.split(':')[0]!, inFlight: 2, done: 30, since: NOW - 60_000, at: NOW - 500, rpm: 40, tpm: 12_000, ...fields});

test('each worker with its in flight, done, pace and share of the budget; a gone one says since when', () => {
	const figures = clusterFigures([beat('a:1'), beat('b:2', {at: NOW - 30_000, inFlight: 0, done: 7})], {rpmNow: 55, tpmNow: 15_000, rpmLimit: 600, tpmLimit: 200_000, limitSource: 'headers'}, {
		queue: 'q',
		scope: 's',
		paused: true,
		now: NOW,
	});
	const lines = stripAnsi(render(<ClusterPanel cluster={{figures, note: null}} width={140} rows={3} now={NOW} />).lastFrame()!).split('\n');
	expect(lines[0]).toBe('cluster q · 1 worker · queue paused · shared rpm 55/600 tpm 15k/200k (learned) · others 15 rpm');
	expect(lines[1]).toMatch(/^ {2}a:1 +2 in flight · 30 done · 30\/min · uses 40 rpm 12k tpm$/);
	expect(lines[2]).toMatch(/^ {2}b:2 +gone · 7 done · last seen 30s ago$/);
});

test('more workers than rows: the rest are counted on the budget line; a connection note shows', () => {
	const figures = clusterFigures([beat('a:1'), beat('b:2'), beat('c:3')], {rpmNow: 120, tpmNow: 0, rpmLimit: null, tpmLimit: null, limitSource: null}, {queue: 'q', scope: 's', paused: false, now: NOW});
	const frame = stripAnsi(render(<ClusterPanel cluster={{figures, note: 'lost Redis'}} width={160} rows={2} now={NOW} />).lastFrame()!);
	expect(frame.split('\n')).toHaveLength(2);
	expect(frame).toContain('shared rpm 120/– tpm 0/– · +2 more · lost Redis');
	expect(workerText(figures.workers[0]!, NOW)).toBe('2 in flight · 30 done · 30/min · uses 40 rpm 12k tpm');
});

test('the panel takes rows from the table, down to its budget line on a short terminal', () => {
	expect(clusterPanelRows(0)).toBe(2);
	expect(clusterPanelRows(9)).toBe(5);
	const tall = screenLayout({columns: 100, rows: 30}, {filterBar: false, clusterRows: 3});
	expect(tall.clusterRows).toBe(3);
	expect(tall.bodyRows).toBe(screenLayout({columns: 100, rows: 30}, {filterBar: false}).bodyRows - 3);
	expect(screenLayout({columns: 100, rows: 12}, {filterBar: false, clusterRows: 5}).clusterRows).toBe(1);
});
