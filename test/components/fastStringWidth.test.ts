/**
 * The bundle puts fastStringWidth in front of every string-width Ink uses: it must give
 * the package's answer for every character and every string, whichever path it takes.
 */
import {createRequire} from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {expect, test} from 'vitest';
import {fastStringWidth, type StringWidth} from '../../src/components/fastStringWidth.js';

// wrap-ansi brings its own (older) string-width: the bundle routes its import here too.
const wrapAnsiDir = path.dirname(createRequire(import.meta.url).resolve('wrap-ansi'));
const versions: Array<[string, StringWidth]> = [
	['string-width', stringWidth as StringWidth],
	['wrap-ansi/node_modules/string-width', (await import(createRequire(path.join(wrapAnsiDir, 'index.js')).resolve('string-width'))).default as StringWidth],
];

/** Calls the package, and says whether it was called. */
function counting(real: StringWidth) {
	const seen = {calls: 0};
	const width: StringWidth = (text, options) => {
		seen.calls++;
		return real(text, options);
	};
	return {width, seen};
}

test.each(versions)('every character of the basic plane, alone: the answer of %s, most without calling it', (_, real) => {
	const {width, seen} = counting(real);
	const fast: number[] = [];
	for (let cp = 0; cp <= 0xffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff) continue;
		const text = String.fromCodePoint(cp);
		const before = seen.calls;
		expect(fastStringWidth(text, undefined, width), `U+${cp.toString(16)}`).toBe(real(text));
		if (seen.calls === before) fast.push(cp);
	}
	// The fast path is taken for what the dashboard draws.
	for (const char of 'a ·…–✓›✗▸▓▒⏎↓↑■░█⊘↻→‖×é─│') expect(fast).toContain(char.codePointAt(0));
});

const fastChars = [...' az~·…–✓›✗▸▓▒⏎↓↑■░█⊘↻→‖×éŁ─│┼', '\u00a0'];
const otherChars = ['⚠', '©', '↔', '▶', '\t', '\u00ad', '\u200b', '\u0301', '\ufe0f', '界', '😀', '👍🏽', '\u25fd', '\u231a', '\x9b'];
const sgr = ['\x1b[31m', '\x1b[39m', '\x1b[1;7m', '\x1b[0m', '\x1b[38;5;208m'];

test.each(versions)('strings of those characters, with colours, and mixed with others: the answer of %s', (_, real) => {
	const piece = fc.oneof({weight: 6, arbitrary: fc.constantFrom(...fastChars)}, {weight: 2, arbitrary: fc.constantFrom(...sgr)}, {weight: 1, arbitrary: fc.constantFrom(...otherChars)});
	fc.assert(
		fc.property(fc.array(piece, {maxLength: 40}), pieces => {
			const text = pieces.join('');
			expect(fastStringWidth(text, undefined, real)).toBe(real(text));
		}),
		{numRuns: 2000},
	);
});

test('options go to the package as they are', () => {
	const {width, seen} = counting(stringWidth as StringWidth);
	expect(fastStringWidth('·', {ambiguousIsNarrow: false}, width)).toBe(stringWidth('·', {ambiguousIsNarrow: false}));
	expect(seen.calls).toBe(1);
});
