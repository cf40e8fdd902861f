/** Which reader a prompts file needs: plain text or JSON Lines. */
import {extname} from 'node:path';
import {InputError} from './inputError.js';

export type InputKind = 'txt' | 'jsonl';

/**
 * `.txt` is text and `.jsonl`/`.ndjson` is JSON Lines whatever they hold. Anything else
 * (stdin, `.json`, no extension) is JSON Lines when its first non-blank line starts
 * with `{`, else text. A `.json` file holding an array is refused, not sent line by line.
 */
export function detectKind(path: string, content: string | Buffer, displayName = path): InputKind {
	const extension = extname(path).toLowerCase();
	if (extension === '.txt') {
		return 'txt';
	}
	if (extension === '.jsonl' || extension === '.ndjson') {
		return 'jsonl';
	}
	const first = firstNonBlank(content);
	if (first?.char === '[' && extension === '.json') {
		throw new InputError(displayName, first.line, 'a JSON array is not supported; write one JSON object per line (JSON Lines, .jsonl)');
	}
	return first?.char === '{' ? 'jsonl' : 'txt';
}

function firstNonBlank(content: string | Buffer): {char: string; line: number} | undefined {
	const isString = typeof content === 'string';
	const hasBom = isString ? content.charCodeAt(0) === 0xfeff : content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf;
	let line = 1;
	// Sniffing the first MiB is plenty; a file that is blank that far is not JSON Lines.
	const length = Math.min(content.length, 1 << 20);
	for (let i = hasBom ? (isString ? 1 : 3) : 0; i < length; i++) {
		const code = isString ? content.charCodeAt(i) : content[i]!;
		if (code === 10) {
			line++;
		} else if (code !== 32 && code !== 9 && code !== 13) {
			return {char: String.fromCharCode(code), line};
		}
	}
	return undefined;
}
