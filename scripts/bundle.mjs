/**
 * `npm run build`, second step: the CLI as a few files instead of ~800 modules. Node 20's
 * ESM loader pays per module (resolve, read, compile), and Ink alone pulls in ~470
 * (es-toolkit's one file a function): bundled, `pacer --help` loads one file and the
 * dashboard its chunk. Code splitting keeps every `await import()` of src/cli.tsx lazy.
 * The library (dist/index.js and its types) stays as tsc wrote it.
 */
import {rmSync} from 'node:fs';
import {build} from 'esbuild';
import {inkFirstFramePatches, stringWidthFastPath} from './bundlePlugins.mjs';

const dist = new URL('../dist/', import.meta.url).pathname;
rmSync(`${dist}chunks`, {recursive: true, force: true});
// tsc's maps of the unbundled cli.js and worker entry would point at the wrong lines.
rmSync(`${dist}cli.js.map`, {force: true});
rmSync(`${dist}worker/engineWorker.js.map`, {force: true});

await build({
	// What the dashboard's first frame spends its time on (issue 16): see bundlePlugins.mjs.
	plugins: [inkFirstFramePatches, stringWidthFastPath],
	// The dashboard's engine runs in a worker thread started from dist/worker/engineWorker.js
	// (src/worker/remoteRun.ts): bundled too, sharing the CLI's chunks.
	entryPoints: {cli: new URL('../src/cli.tsx', import.meta.url).pathname, 'worker/engineWorker': new URL('../src/worker/engineWorker.ts', import.meta.url).pathname},
	outdir: dist,
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// The CLI always runs React's production build (development's checks make it several
	// times slower): fixed here, its development half is not even parsed.
	define: {'process.env.NODE_ENV': '"production"'},
	// gpt-tokenizer is required by name on first count (src/core/tokens.ts), its tables
	// loaded only then; Ink's devtools hook is only imported with DEV=true and is not a dependency;
	// BullMQ reads its Lua commands from files beside its own modules, so it and ioredis stay outside.
	external: ['gpt-tokenizer', 'react-devtools-core', 'bullmq', 'ioredis'],
	// Bundled CommonJS (commander, react) calls require() for Node's built-ins.
	banner: {js: "import {createRequire as __pacerRequire} from 'node:module'; const require = __pacerRequire(import.meta.url);"},
	minifyWhitespace: true,
	minifySyntax: true,
	keepNames: true,
	sourcemap: 'external',
	legalComments: 'none',
	logLevel: 'warning',
});
