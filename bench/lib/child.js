import {spawn} from 'node:child_process';

/** Run a node script; resolves with its stdout, stderr, exit code and wall ms. */
export function runNode(args, {env = {}, timeoutMs = 600_000} = {}) {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(process.execPath, args, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', d => (stdout += d));
		child.stderr.on('data', d => (stderr += d));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('error', reject);
		child.on('exit', code => {
			clearTimeout(timer);
			resolve({stdout, stderr, code, ms: performance.now() - started});
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
