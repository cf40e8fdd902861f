/** A prompts file's bytes -> its lines, each with its 1-based number and size. */

/**
 * The longest line pacer reads. Far above any context window (1M tokens is ~4 MB of
 * text) yet room for a few inline images; a longer line is almost surely not a prompt.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

const fatalUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

/**
 * Calls `onLine` for each line (without its `\n` or `\r\n`) with its 1-based number and
 * size in bytes; `content` is undefined when the bytes are not UTF-8. A line over
 * MAX_LINE_BYTES is not decoded at all.
 */
export function forEachLine(source: string | Buffer, onLine: (line: number, content: string | undefined, bytes: number) => void): void {
	if (typeof source !== 'string') {
		// Fast path: decode once. U+FFFD in the result may be a bad byte or a real
		// replacement character; only then check line by line.
		if (source.length < 256 * 1024 * 1024) {
			const decoded = source.toString('utf8');
			if (!decoded.includes('\uFFFD')) {
				forEachLine(decoded, onLine);
				return;
			}
		}
		let start = source[0] === 0xef && source[1] === 0xbb && source[2] === 0xbf ? 3 : 0;
		for (let line = 1; start <= source.length; line++) {
			let end = source.indexOf(10, start);
			if (end === -1) {
				end = source.length;
			}
			const stop = end > start && source[end - 1] === 13 ? end - 1 : end;
			const bytes = stop - start;
			let content: string | undefined;
			if (bytes <= MAX_LINE_BYTES) {
				try {
					content = fatalUtf8.decode(source.subarray(start, stop));
				} catch {
					content = undefined;
				}
			}
			if (end === source.length && bytes === 0 && line > 1) {
				return;
			}
			onLine(line, content, bytes);
			start = end + 1;
		}
		return;
	}
	let start = source.charCodeAt(0) === 0xfeff ? 1 : 0;
	for (let line = 1; start <= source.length; line++) {
		let end = source.indexOf('\n', start);
		if (end === -1) {
			end = source.length;
		}
		const stop = end > start && source.charCodeAt(end - 1) === 13 ? end - 1 : end;
		if (end === source.length && stop === start && line > 1) {
			return;
		}
		const content = source.slice(start, stop);
		// A UTF-16 unit is at most 3 UTF-8 bytes, so only long lines need measuring; for
		// short ones `bytes` is a lower bound, used only against the limit.
		const bytes = content.length * 3 > MAX_LINE_BYTES ? Buffer.byteLength(content, 'utf8') : content.length;
		onLine(line, bytes > MAX_LINE_BYTES ? undefined : content, bytes);
		start = end + 1;
	}
}

export function isBlank(text: string): boolean {
	return text.trim() === '';
}
