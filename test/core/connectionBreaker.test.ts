/**
 * The connection breaker stops a run whose network or base URL is the problem, and does not
 * stop one whose in-flight requests all failed together from one stall.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {ConnectionBreaker} from '../../src/core/retryPolicy.js';
import type {ErrorInfo} from '../../src/core/types.js';
import {runBatch} from '../../src/runBatch.js';
import {readRecords} from '../helpers/cli.js';

const reset: ErrorInfo = {kind: 'connection', status: null, code: 'ECONNRESET', message: 'socket hang up', retryable: true, retryAfterMs: null};
const server500: ErrorInfo = {kind: 'server', status: 500, code: null, message: 'boom', retryable: true, retryAfterMs: null};

test('failures of attempts each sent after the last one failed trip it at the limit', () => {
	const breaker = new ConnectionBreaker(5);
	for (let i = 0; i < 4; i++) expect(breaker.failed(reset, i * 10, i * 10 + 5)).toBeNull();
	expect(breaker.failed(reset, 40, 45)).toMatchObject({kind: 'connection', reason: '5 connection failures in a row'});
});

test('attempts in flight together that fail together count once', () => {
	const breaker = new ConnectionBreaker(5);
	// Sixty-four sent at 0-63 ms, all cut at 1000 ms by one stall.
	for (let i = 0; i < 64; i++) expect(breaker.failed(reset, i, 1000 + i)).toBeNull();
	// Their retries, sent after it, each fail: the outage lasting shows from the fifth.
	for (let i = 0; i < 3; i++) expect(breaker.failed(reset, 2000 + i * 100, 2050 + i * 100)).toBeNull();
	expect(breaker.failed(reset, 2300, 2350)).not.toBeNull();
});

test('any answer, or an HTTP error, between failures starts the count again', () => {
	const breaker = new ConnectionBreaker(3);
	breaker.failed(reset, 0, 1);
	breaker.failed(reset, 2, 3);
	breaker.answered();
	expect(breaker.failed(reset, 4, 5)).toBeNull();
	expect(breaker.failed(reset, 6, 7)).toBeNull();
	breaker.failed(server500, 8, 9);
	expect(breaker.failed(reset, 10, 11)).toBeNull();
});

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-breaker-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

/** A loopback port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

test('a base URL where nothing listens stops the run as a connection problem; every prompt is in the results once', async () => {
	const out = path.join(dir, 'out.jsonl');
	const port = await closedPort();
	const jobs = Array.from({length: 200}, (_, i) => ({id: `p${i}`, line: i + 1, input: `prompt ${i}`, text: `prompt ${i}`}));
	const {summary} = await runBatch(jobs, {
		out,
		concurrency: 8,
		backoffBaseMs: 5,
		backoffMaxMs: 20,
		endpoint: {kind: 'api', apiKey: 'sk-breaker-test', baseURL: `http://127.0.0.1:${port}/v1`},
	});
	expect(summary.stopKind).toBe('connection');
	expect(summary.stopReason).toMatch(/connection failures in a row/);
	const records = readRecords(out);
	expect(new Set(records.map(r => r.id)).size).toBe(200);
	expect(records).toHaveLength(200);
	expect(records.filter(r => r.status === 'skipped').length).toBeGreaterThan(0);
});
