import {describe, expect, it} from 'vitest';
import {attemptLine} from '../../src/components/DetailPane.js';
import {statusText} from '../../src/components/JobRow.js';
import {queuedSnapshot} from '../../src/core/runSink.js';

const job = queuedSnapshot({id: 'doc', line: 1, text: 'a long one', model: 'gpt-5.4-mini', tokensIn: 9000});

describe('condensing on the dashboard', () => {
	it('the row says which condensing call is under way, then running for the request itself', () => {
		expect(statusText({...job, status: 'running', condensing: {call: 2, of: 5}}, 0)).toBe('condensing 2/5');
		expect(statusText({...job, status: 'running'}, 0)).toBe('running');
	});

	it('the detail pane lists each condensing call with what it was billed', () => {
		const line = attemptLine({n: 2, startedAt: 1000, endedAt: 1800, outcome: 'succeeded', error: null, waitMs: null, call: 'condense 2/5', usage: {input_tokens: 1437, output_tokens: 177, total_tokens: 1614}}, 0);
		expect(line).toBe('#2  condense 2/5  at +1.0s  took 0.8s  succeeded · in 1,437 out 177');
	});
});
