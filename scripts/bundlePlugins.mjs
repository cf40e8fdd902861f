/**
 * esbuild plugins of scripts/bundle.mjs: what the dashboard's first frame spent its time on
 * in a CPU profile (issue 16), taken out of its way without changing what is drawn.
 */
import {readFileSync} from 'node:fs';
import {dirname} from 'node:path';

const fastWidth = new URL('../src/components/fastStringWidth.ts', import.meta.url).pathname;

/**
 * Every `import stringWidth from 'string-width'` (Ink's, widest-line's, wrap-ansi's, each
 * its own version) gets src/components/fastStringWidth.ts in front of that same version:
 * text of one-column characters is measured without segmenting it into graphemes.
 */
export const stringWidthFastPath = {
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
 * Small edits to vendored code, each an exact text that must be found: a package that
 * changed is bundled as it is, with a warning naming the edit.
 */
const PATCHES = [
	{
		// Yoga's Emscripten loader fetches its wasm (a data: URL) when `fetch` exists, and
		// Node's first touch of `fetch` loads undici (~40 ms) only for the loader to decode
		// the base64 it holds. Told there is no fetch, it decodes at once.
		name: 'yoga-layout: decode the wasm without fetch',
		file: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/,
		from: '"function"!=typeof fetch',
		to: '!0',
	},
	{
		// Inside an `overflow="hidden"` box (the dashboard's root) Ink slices every line to
		// the clip, ANSI-aware and per character, even a line that fits it whole.
		name: 'ink: a line that fits its clip is not sliced',
		file: /ink[\\/]build[\\/]output\.js$/,
		from: 'return sliceAnsi(line, from, to);',
		to: 'return from === 0 && to === width ? line : sliceAnsi(line, from, to);',
	},
];

export const inkFirstFramePatches = {
	name: 'ink-first-frame-patches',
	setup(build) {
		for (const patch of PATCHES) {
			build.onLoad({filter: patch.file}, ({path}) => {
				const source = readFileSync(path, 'utf8');
				if (!source.includes(patch.from)) return {contents: source, loader: 'js', warnings: [{text: `${patch.name}: not applied (the package changed)`}]};
				return {contents: source.replaceAll(patch.from, patch.to), loader: 'js'};
			});
		}
	},
};
