/**
 * Making untrusted text (prompts, ids) safe and narrow enough for a terminal table.
 * A rough East Asian width table, enough to keep CJK and emoji from breaking columns.
 */

const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
	[0x1100, 0x115f],
	[0x2e80, 0x303e],
	[0x3041, 0x33ff],
	[0x3400, 0x4dbf],
	[0x4e00, 0x9fff],
	[0xa000, 0xa4cf],
	[0xac00, 0xd7a3],
	[0xf900, 0xfaff],
	[0xfe30, 0xfe4f],
	[0xff00, 0xff60],
	[0xffe0, 0xffe6],
	[0x1f300, 0x1f64f],
	[0x1f900, 0x1f9ff],
	[0x1fa70, 0x1faff],
	[0x20000, 0x3fffd],
];

/** Columns one code point takes: 0 for combining marks and joiners, 2 for wide ones. */
export function codePointWidth(codePoint: number): number {
	if (
		(codePoint >= 0x300 && codePoint <= 0x36f) ||
		(codePoint >= 0x200b && codePoint <= 0x200f) ||
		(codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
		(codePoint >= 0x1f3fb && codePoint <= 0x1f3ff)
	) {
		return 0;
	}
	for (const [low, high] of WIDE_RANGES) {
		if (codePoint >= low && codePoint <= high) {
			return 2;
		}
	}
	return 1;
}

export function displayWidth(text: string): number {
	let width = 0;
	for (const char of text) {
		width += codePointWidth(char.codePointAt(0)!);
	}
	return width;
}

/** One line of plain printable text: whitespace runs become one space, control characters (ESC too) go. */
export function toSingleLine(text: string): string {
	return text
		.replace(/\s+/g, ' ')
		.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '')
		.trim();
}

/** Cuts `text` to at most `width` columns, ending with `…` when cut. */
export function fitWidth(text: string, width: number): string {
	if (displayWidth(text) <= width) {
		return text;
	}
	let result = '';
	let used = 0;
	for (const char of text) {
		const w = codePointWidth(char.codePointAt(0)!);
		if (used + w > width - 1) {
			break;
		}
		result += char;
		used += w;
	}
	return `${result}…`;
}

/** Pads with spaces to `width` columns (left-aligned, or right-aligned for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	const space = ' '.repeat(Math.max(0, width - displayWidth(text)));
	return align === 'left' ? text + space : space + text;
}
