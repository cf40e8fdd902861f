import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {CastFormatError, CastWriter, parseCast} from '../../src/core/cast.js';
import {registerSecret} from '../../src/core/secrets.js';
import {openSmallDisk} from '../helpers/smallDisk.js';

let dir = '';
beforeEach(() => {
	dir = mkdtempSync(path.join(tmpdir(), 'pacer-cast-'));
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

function lines(file: string): unknown[] {
	return readFileSync(file, 'utf8')
		.trim()
		.split('\n')
		.map(line => JSON.parse(line) as unknown);
}

/** A clock the test moves by hand. */
function clock(start = 1000) {
	let now = start;
	return {now: () => now, advance: (ms: number) => (now += ms)};
}

test('the header is asciicast v2 with TERM and SHELL only; events are [seconds, "o"|"r", text] from the first one', () => {
	const file = path.join(dir, 'run.cast');
	const time = clock();
	const env = {TERM: 'xterm-256color', SHELL: '/bin/zsh', OPENAI_API_KEY: ['sk', 'proj', 'should-never-appear'].join('-'), HOME: '/root'};
	const cast = new CastWriter(file, {width: 100, height: 30, title: 'pacer run demo.jsonl', env, startedAt: Date.UTC(2026, 0, 2), now: time.now});
	time.advance(500);
	cast.output('first frame');
	time.advance(1234.4);
	cast.resize(120, 40);
	time.advance(66);
	cast.output('second');
	cast.close();

	expect(lines(file)).toEqual([
		{version: 2, width: 100, height: 30, timestamp: Date.UTC(2026, 0, 2) / 1000, title: 'pacer run demo.jsonl', env: {TERM: 'xterm-256color', SHELL: '/bin/zsh'}},
		[0, 'o', 'first frame'],
		[1.234, 'r', '120x40'],
		[1.3, 'o', 'second'],
	]);
	expect(readFileSync(file, 'utf8')).not.toContain('sk-proj');
});

test('each event is on disk as soon as it is written, so a crash leaves a playable file', () => {
	const file = path.join(dir, 'run.cast');
	const cast = new CastWriter(file, {width: 80, height: 24});
	cast.output('frame one');
	// No close: this is what a killed process leaves.
	const {header, events} = parseCast(readFileSync(file, 'utf8'));
	expect(header).toMatchObject({version: 2, width: 80, height: 24, env: {}});
	expect(events.map(event => event[2])).toEqual(['frame one']);
	cast.close();
});

test('newlines reach the file as CRLF, as a terminal driver sends them to the screen', () => {
	const file = path.join(dir, 'run.cast');
	const cast = new CastWriter(file, {width: 80, height: 24});
	cast.output('a\nb\r\nc\n');
	cast.close();
	expect(lines(file)[1]).toEqual([0, 'o', 'a\r\nb\r\nc\r\n']);
});

test('anything key-like is masked in the output and the title; a registered key too, whatever its shape', () => {
	const file = path.join(dir, 'run.cast');
	registerSecret('custom-gateway-token-1234567');
	// Built at run time so nothing key-shaped is committed.
	const sk = (rest: string) => ['sk', 'proj', rest].join('-');
	const cast = new CastWriter(file, {width: 80, height: 24, title: `run with ${sk('TITLEabcdefghijklmnop')}`});
	cast.output(`error: invalid key ${sk('abcdefghijklmnopqrstuvwxyz0123')} given`);
	cast.output('bearer custom-gateway-token-1234567');
	cast.close();
	const text = readFileSync(file, 'utf8');
	expect(text).not.toMatch(/abcdefghijklmnopqrstuvwxyz|TITLEabcdef|custom-gateway-token/);
	expect(text).toContain('sk-…0123');
	expect(text).toContain('sk-…4567');
});

test('close is idempotent and later events are dropped', () => {
	const file = path.join(dir, 'run.cast');
	const cast = new CastWriter(file, {width: 80, height: 24});
	cast.output('kept');
	cast.close();
	cast.close();
	cast.output('dropped');
	cast.resize(1, 1);
	expect(cast.closed).toBe(true);
	expect(lines(file)).toHaveLength(2);
});

test('parseCast skips a torn last line and names the line of any other damage', () => {
	const header = JSON.stringify({version: 2, width: 10, height: 5, timestamp: 0, env: {}});
	expect(parseCast(`${header}\n[0.1,"o","x"]\n[0.2,"o","y`).events).toEqual([[0.1, 'o', 'x']]);
	expect(() => parseCast(`${header}\n[0.1,"o"\n[0.2,"o","y"]\n`)).toThrow(new CastFormatError(2, 'not JSON'));
	expect(() => parseCast(`${header}\n[0.1,"x","y"]\n`)).toThrow(/line 2: not a \[time/);
	expect(() => parseCast('{"version":1}\n')).toThrow(/line 1: not an asciicast v2 header/);
});

test('a disk that fills stops the recording with one message, never a throw; the file still plays up to there', () => {
	const disk = openSmallDisk();
	try {
		const file = path.join(disk.dir, 'run.cast');
		const cast = new CastWriter(file, {width: 80, height: 24, fs: disk.fs});
		disk.fill(4096);
		let frames = 0;
		for (; frames < 200 && !cast.failure; frames++) cast.output(`frame ${frames} ${'█'.repeat(200)}`);
		expect(cast.failure).toMatch(/^the recording stopped early: cannot write .*run\.cast: no space left on the device \(ENOSPC.*; it plays up to there$/);
		expect(cast.closed).toBe(true);
		expect(() => cast.output('after the failure')).not.toThrow();
		const {events} = parseCast(readFileSync(file, 'utf8'));
		expect(events.length).toBe(frames - 1);
		expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
	} finally {
		disk.close();
	}
});
