import {spawn} from 'node:child_process';

/**
 * Run a node script; resolves with its stdout, stderr, exit code, wall ms, and whether it
 * was killed for running past `timeoutMs`.
 */
export function runNode(args, {env = {}, timeoutMs = 600_000} = {}) {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(process.execPath, args, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		let timedOut = false;
		child.stdout.on('data', d => (stdout += d));
		child.stderr.on('data', d => (stderr += d));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', reject);
		child.on('exit', code => {
			clearTimeout(timer);
			resolve({stdout, stderr, code, timedOut, ms: performance.now() - started});
		});
	});
}

/** The last line of stdout that parses as JSON. */
export function lastJson(stdout) {
	const lines = stdout.trim().split('\n').reverse();
	for (const line of lines) {
		try {
			return JSON.parse(line);
		} catch {}
	}
	throw new Error(`no JSON in output: ${stdout.slice(-500)}`);
}
