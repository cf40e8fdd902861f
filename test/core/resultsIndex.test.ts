import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {hashId} from '../../src/core/idHashes.js';
import {compactResults, indexResults} from '../../src/core/results.js';

let dir: string;
beforeEach(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pacer-index-'));
});
afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

/** Two different ids with one 32-bit hash. */
function collidingPair(): [string, string] {
	const seen = new Map<number, string>();
	for (let i = 0; ; i++) {
		const id = `r-${i}`;
		const other = seen.get(hashId(id));
		if (other !== undefined) return [other, id];
		seen.set(hashId(id), id);
	}
}

const line = (id: string, status: string, extra: Record<string, unknown> = {}) => JSON.stringify({id, line: 1, status, ...extra});

describe('the results index', () => {
	it("finds each id's latest record, telling apart two ids with one hash", () => {
		const [a, b] = collidingPair();
		const file = path.join(dir, 'out.jsonl');
		fs.writeFileSync(file, [line(a, 'failed'), line(b, 'succeeded'), line('c', 'failed', {condensed_input: 'short'}), line(a, 'succeeded'), line(b, 'failed')].join('\n') + '\n');
		const {index, lines, close} = indexResults(file);
		try {
			expect(lines).toBe(5);
			expect(index.size).toBe(3);
			expect(index.status(index.find(a))).toBe('succeeded');
			expect(index.status(index.find(b))).toBe('failed');
			expect(index.find('missing')).toBe(-1);
			expect(index.slots((_, condensed) => condensed).map(slot => index.record(slot).id)).toEqual(['c']);
		} finally {
			close();
		}
	});

	it('compacts many records to one per id in input order, ids not in the input after them', () => {
		const file = path.join(dir, 'out.jsonl');
		const ids = Array.from({length: 5000}, (_, i) => `id-${i}`);
		const records: string[] = [];
		for (let i = ids.length - 1; i >= 0; i--) records.push(line(ids[i]!, 'failed'));
		for (const id of ids) if (id.endsWith('7')) records.push(line(id, 'succeeded'));
		records.push(line('stranger', 'succeeded'));
		fs.writeFileSync(file, records.join('\n') + '\n');
		expect(compactResults(file, ids)).toBe(5001);
		const compacted = fs.readFileSync(file, 'utf8').trim().split('\n').map(text => JSON.parse(text) as {id: string; status: string});
		expect(compacted.map(r => r.id)).toEqual([...ids, 'stranger']);
		expect(compacted.filter(r => r.status === 'succeeded').length).toBe(501);
	});
});
