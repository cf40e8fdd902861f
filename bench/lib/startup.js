/**
 * Start-up, as ratios to a bare `node -e 0` measured in the same rounds: the machine's load
 * moves all three alike, so the ratio holds where milliseconds do not. A round is one
 * `node -e 0`, one `pacer --help` and one dashboard started in a pseudo-terminal up to the
 * frame that shows the table; medians are compared.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {startSimulator} from '../../dist/index.js';
import {runNode} from './child.js';
import {loadPty, spawnInPty} from './dashboard.js';
import {CLI, ROOT} from './paths.js';
import {median} from './stats.js';
import {notMeasured, row} from './table.js';

const list = values => values.map(v => v.toFixed(0)).join(', ');

async function timed(args) {
	const r = await runNode(args);
	if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-400)}`);
	return r.ms;
}

export async function startup({runs}) {
	const names = {help: 'start-up: pacer --help / node -e 0', frame: 'start-up: first dashboard frame / node -e 0'};
	let libs = null;
	let why = '';
	try {
		libs = await loadPty();
	} catch (error) {
		why = `node-pty or @xterm/headless unavailable: ${error.message}`;
	}
	// The real-use path: a key and an endpoint, so the CLI loads neither the simulator nor its
	// server; the bench's own simulator answers at calm latency.
	const sim = await startSimulator({profile: 'calm', seed: 4, rpm: Infinity, tpm: Infinity});
	const dir = mkdtempSync(join(tmpdir(), 'pacer-startup-'));
	const bare = [];
	const help = [];
	const frame = [];
	try {
		for (let i = 0; i < runs; i++) {
			bare.push(await timed(['-e', '0']));
			help.push(await timed([CLI, '--help']));
			if (!libs) continue;
			const run = spawnInPty(libs, [CLI, 'run', join(ROOT, 'examples/prompts.txt'), '--out', join(dir, `first-${i}.jsonl`), '--base-url', sim.url], {
				OPENAI_API_KEY: 'sk-bench-local',
				OPENAI_BASE_URL: '',
			});
			try {
				frame.push((await run.waitFor(text => /line-1 /.test(text), 30_000, 'the first frame showing line-1')) - run.started);
			} finally {
				run.close();
			}
		}
	} finally {
		await sim.close();
		rmSync(dir, {recursive: true, force: true});
	}
	const base = median(bare);
	const rows = [
		row(names.help, median(help) / base, '<=', 1.5, {
			digits: 2,
			note: `medians of ${runs} rounds: pacer --help ${median(help).toFixed(0)} ms (${list(help)}), node -e 0 ${base.toFixed(0)} ms (${list(bare)})`,
		}),
	];
	rows.push(
		frame.length
			? row(names.frame, median(frame) / base, '<=', 4, {
					digits: 2,
					note: `pacer run examples/prompts.txt (40 prompts) --base-url to a simulator, spawn in a pseudo-terminal to the table on screen: median ${median(frame).toFixed(0)} ms (${list(frame)}) against node -e 0's ${base.toFixed(0)} ms`,
				})
			: notMeasured(names.frame, '<= 4', why),
	);
	return rows;
}
