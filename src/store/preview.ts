/**
 * Short copies of long texts, and one copy of strings many jobs share. The store keeps
 * 100,000 jobs: a prompt or reply kept whole, or a slice that V8 keeps pointing into the
 * whole (a sliced string holds its parent alive), would be most of the dashboard's memory.
 */

/** Characters of a prompt or a reply the store keeps; the table and the filter see no more. */
export const PREVIEW_CHARS = 200;

/**
 * The first `max` characters of `text`, as a string of its own (not a slice into `text`),
 * never ending on half a surrogate pair.
 */
export function preview(text: string, max = PREVIEW_CHARS): string {
	if (text.length <= max) return text;
	let end = max;
	const last = text.charCodeAt(end - 1);
	if (last >= 0xd800 && last <= 0xdbff) end--;
	// A round trip through bytes is the one portable way to a flat copy.
	return Buffer.from(text.slice(0, end), 'utf8').toString('utf8');
}

/** The last `max` characters of `text` (a running reply's latest lines), as a string of its own. */
export function tail(text: string, max: number): string {
	if (text.length <= max) return text;
	let start = text.length - max;
	const first = text.charCodeAt(start);
	if (first >= 0xdc00 && first <= 0xdfff) start++;
	return Buffer.from(text.slice(start), 'utf8').toString('utf8');
}

/** Strings by a small number: a model name is kept once, each job holds two bytes. */
export class Interner {
	readonly #strings: string[] = [];
	readonly #numbers = new Map<string, number>();

	number(text: string): number {
		let n = this.#numbers.get(text);
		if (n === undefined) {
			n = this.#strings.length;
			this.#strings.push(text);
			this.#numbers.set(text, n);
		}
		return n;
	}

	string(n: number): string {
		return this.#strings[n] ?? '';
	}
}
