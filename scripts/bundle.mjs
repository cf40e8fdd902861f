/**
 * `npm run build`, second step: the CLI as a few files instead of ~800 modules. Node 20's
 * ESM loader pays per module (resolve, read, compile), and Ink alone pulls in ~470
 * (es-toolkit's one file a function): bundled, `pacer --help` loads one file and the
 * dashboard its chunk. Code splitting keeps every `await import()` of src/cli.tsx lazy.
 * The library (dist/index.js and its types) stays as tsc wrote it.
 */
import {readFileSync, rmSync} from 'node:fs';
import {dirname} from 'node:path';
import {build} from 'esbuild';

const fastWidth = new URL('../src/components/fastStringWidth.ts', import.meta.url).pathname;

/**
 * Every `import stringWidth from 'string-width'` (Ink's, widest-line's, wrap-ansi's, each
 * its own version) gets src/components/fastStringWidth.ts in front of that same version:
 * text of one-column characters is measured without segmenting it into graphemes.
 */
const stringWidthFastPath = {
	name: 'string-width-fast-path',
	setup(build) {
		build.onResolve({filter: /^string-width$/}, async args => {
			if (args.pluginData?.real) return undefined;
			const real = await build.resolve('string-width', {resolveDir: args.resolveDir, kind: args.kind, pluginData: {real: true}});
			if (real.errors.length > 0) return {errors: real.errors};
			return {path: real.path, namespace: 'fast-string-width'};
		});
		build.onLoad({filter: /.*/, namespace: 'fast-string-width'}, ({path}) => ({
			contents: `import real from ${JSON.stringify(path)};\nimport {fastStringWidth} from ${JSON.stringify(fastWidth)};\nexport default function stringWidth(text, options) {\n\treturn fastStringWidth(text, options, real);\n}\n`,
			loader: 'js',
			resolveDir: dirname(path),
		}));
	},
};

/**
 * Yoga's Emscripten loader fetches its wasm (a data: URL) when `fetch` exists, and Node's
 * first touch of `fetch` loads undici (~40 ms before the dashboard's first frame) only for
 * the loader to decode the same base64 it holds. Told there is no fetch, it decodes at once.
 * A Yoga that changed its loader is left as it is, with a warning.
 */
const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(build) {
		build.onLoad({filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, ({path}) => {
			const source = readFileSync(path, 'utf8');
			const patched = source.replaceAll('"function"!=typeof fetch', '!0');
			if (patched === source) return {contents: source, loader: 'js', warnings: [{text: 'yoga-layout: no fetch test found to skip; its loader will load undici'}]};
			return {contents: patched, loader: 'js'};
		});
	},
};

const dist = new URL('../dist/', import.meta.url).pathname;
rmSync(`${dist}chunks`, {recursive: true, force: true});
// tsc's map of the unbundled cli.js would point at the wrong lines.
rmSync(`${dist}cli.js.map`, {force: true});

await build({
	plugins: [yogaWithoutFetch, stringWidthFastPath],
	entryPoints: {cli: new URL('../src/cli.tsx', import.meta.url).pathname},
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
