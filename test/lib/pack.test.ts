/**
 * The package as a user gets it: `npm pack` of the built package, the tarball installed in
 * an empty folder, then its `pacer` command and `import {generate, runBatch} from '<name>'`.
 * Installs from the npm cache only (`npm ci` filled it): the folder's lockfile takes the
 * versions of this repo's lockfile, so no registry is asked. Slow by nature (an install),
 * so the timeouts are generous; nothing here is timed.
 */
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
	name: string;
	version: string;
	license: string;
	bin: Record<string, string>;
	engines: Record<string, string>;
	dependencies: Record<string, string>;
};

interface Ran {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

/** npm's own variables of an `npm test` run would point the inner npm at this repo (its prefix, its scripts). */
function cleanEnv(): NodeJS.ProcessEnv {
	const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_registry']);
	return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_') || keep.has(key.toLowerCase())));
}

function run(command: string, args: readonly string[], cwd: string): Promise<Ran> {
	return new Promise((resolve) => {
		execFile(command, args, {cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 170_000}, (error, stdout, stderr) => {
			const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
			resolve({code, stdout, stderr});
		});
	});
}

function expectOk(ran: Ran, what: string): Ran {
	if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.stderr}\n${ran.stdout}`);
	return ran;
}

/** The dependencies of the package as this repo's lockfile resolves them; dev ones left out. */
function writeConsumer(app: string, tarball: string): void {
	const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {packages: Record<string, {dev?: boolean; link?: boolean}>};
	const spec = `file:${tarball}`;
	const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
	const packages: Record<string, unknown> = {
		'': {name: 'pack-check', dependencies: {[pkg.name]: spec}},
		[`node_modules/${pkg.name}`]: {version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines},
	};
	for (const [path, entry] of Object.entries(lock.packages)) {
		if (path !== '' && !entry.dev && !entry.link) packages[path] = entry;
	}
	writeFileSync(join(app, 'package.json'), JSON.stringify({name: 'pack-check', private: true, type: 'module', dependencies: {[pkg.name]: spec}}, null, 2));
	writeFileSync(join(app, 'package-lock.json'), JSON.stringify({name: 'pack-check', lockfileVersion: 3, requires: true, packages}, null, 2));
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir, {recursive: true, withFileTypes: true})
		.filter((entry) => entry.isFile())
		.map((entry) => relative(repo, join(entry.parentPath, entry.name)));
}

const scratch = mkdtempSync(join(tmpdir(), 'pacer-pack-'));
const app = join(scratch, 'app');
let packed: string[] = [];
let bin = '';

beforeAll(async () => {
	if (!existsSync(join(repo, 'dist', 'cli.js')) || !existsSync(join(repo, 'dist', 'index.js'))) {
		throw new Error('dist/ is not built: run `npm run build` (npm test does) before this test');
	}
	// --ignore-scripts: `prepare` would rebuild dist/ under the feet of other test files.
	const pack = expectOk(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], repo), 'npm pack');
	const [report] = JSON.parse(pack.stdout) as [{filename: string; files: {path: string}[]}];
	packed = report.files.map((file) => file.path);
	mkdirSync(app);
	writeConsumer(app, join(scratch, report.filename));
	const flags = ['ci', '--no-audit', '--no-fund', '--ignore-scripts'];
	let install = await run('npm', [...flags, '--offline'], app);
	// A cache that lacks a tarball (node_modules copied rather than installed): let npm fetch it.
	if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) install = await run('npm', [...flags, '--prefer-offline'], app);
	expectOk(install, 'npm ci of the tarball');
	bin = join(app, 'node_modules', '.bin', 'pacer');
}, 180_000);

afterAll(() => {
	rmSync(scratch, {recursive: true, force: true});
});

describe(`npm pack, then installing ${pkg.name} in an empty folder`, () => {
	it('packs all of dist/ that runs (not the source maps), package.json and the README', () => {
		const needed = filesUnder(join(repo, 'dist')).filter((path) => !path.endsWith('.map'));
		expect(needed).toContain('dist/index.d.ts');
		expect(packed).toEqual(expect.arrayContaining([...needed, 'package.json', 'README.md']));
		expect(packed.filter((path) => path.startsWith('src/') || path.startsWith('test/') || path.endsWith('.map'))).toEqual([]);
	});

	it('gives a working `pacer` command', async () => {
		expect(expectOk(await run(bin, ['--version'], app), 'pacer --version').stdout.trim()).toBe(pkg.version);
		const help = expectOk(await run(bin, ['--help'], app), 'pacer --help').stdout;
		expect(help).toMatch(/^Usage: pacer /);
		expect(help).toMatch(/\brun \[options\] <prompts-file\|->/);
		writeFileSync(join(app, 'prompts.txt'), 'Say hi.\nName a colour.\n');
		// `count` loads the input reader and the tokenizer, which --help does not.
		const count = expectOk(await run(bin, ['count', 'prompts.txt'], app), 'pacer count');
		expect(count.stdout).toMatch(/\b2 prompts\b/);
	}, 60_000);

	it(`runs a library script that imports {generate, runBatch} from '${pkg.name}'`, async () => {
		writeFileSync(
			join(app, 'check.mjs'),
			`import {generate, runBatch, startSimulator} from '${pkg.name}';
const sim = await startSimulator({profile: 'calm', seed: 5, latencyScale: 0});
const endpoint = {kind: 'api', apiKey: 'sk-pack-check-local', baseURL: sim.url};
try {
	const record = await generate('Say hi in three words.', {endpoint});
	const batch = await runBatch(['One prompt.', {id: 'two', prompt: 'Another.', context: 'Some context.'}], {endpoint});
	console.log(JSON.stringify({record, summary: batch.summary, baseURL: sim.url}));
} finally {
	await sim.close();
}
`,
		);
		const ran = expectOk(await run(process.execPath, ['check.mjs'], app), 'node check.mjs');
		const printed = JSON.parse(ran.stdout) as {record: Record<string, unknown>; summary: {total: number; succeeded: number}; baseURL: string};
		expect(printed.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
		expect(printed.record).toMatchObject({id: 'prompt', line: 1, status: 'succeeded', error: null, attempts: 1});
		expect(printed.record.output).toEqual(expect.any(String));
		expect(printed.summary).toMatchObject({total: 2, succeeded: 2});
	}, 60_000);
});
