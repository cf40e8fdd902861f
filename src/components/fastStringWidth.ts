/**
 * A fast path in front of the `string-width` Ink measures every line with (the bundle
 * routes Ink's, widest-line's, wrap-ansi's and cli-truncate's imports here, scripts/bundle.mjs).
 * The package segments any text that is not plain ASCII into graphemes (Intl.Segmenter and
 * emoji regexes): the dashboard's `·`, `✓` and box glyphs put every row on that path, and
 * the first frame measures hundreds of rows with cold code. Text made only of characters
 * that are one column alone and never join a neighbour is as wide as it is long; anything
 * else goes to the package. test/components/fastStringWidth.test.ts checks every character
 * of the fast set against the package.
 */

/**
 * One column each, and no grapheme joins them, in every string-width the bundle has:
 * printable ASCII and Latin-1 (not the soft hyphen), Latin Extended-A/B, general
 * punctuation (not the zero-width and bidi controls), arrows, mathematical operators, `⏎`,
 * box drawing, blocks and geometric shapes, `✓`, `✗`. Left out: what an older string-width
 * counts as an emoji of two columns (`©`, `®`, `‼`, `⁉`, `↔`-`↙`, `↩`, `↪`, `▪`, `▫`, `▶`,
 * `◀`, `◻`-`◾`) and what the newer one does (`⚠`, `⌚`).
 */
const FAST = /^[\u0020-\u007e\u00a0-\u00a8\u00aa-\u00ac\u00af-\u024f\u2010-\u2027\u2030-\u203b\u203d-\u2048\u204a-\u205e\u2190-\u2193\u219a-\u21a8\u21ab-\u21ff\u2200-\u22ff\u23ce\u2500-\u25a9\u25ac-\u25b5\u25b7-\u25bf\u25c1-\u25fa\u2713\u2717]*$/;
/** Colours and styles, the only escapes chalk writes; any other escape goes to the package. */
const SGR = /\u001b\[[\d;]*m/g;

export type StringWidth = (text: string, options?: object) => number;

/** `real(text, options)`, at once when `text` (without its colours) is in the fast set. */
export function fastStringWidth(text: string, options: object | undefined, real: StringWidth): number {
	// Options change what is counted (ambiguous characters, escapes): the package decides.
	if (options !== undefined || typeof text !== 'string') return real(text, options);
	const plain = text.includes('\u001b') ? text.replace(SGR, '') : text;
	return FAST.test(plain) ? plain.length : real(text);
}
