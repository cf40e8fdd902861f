/** Reading text out of Responses API input items, shared by input parsing and token counting. */

/**
 * The text of one Responses input item: a message's string content or its text parts
 * (`input_text`, `output_text`) joined by newlines. Images and files have no text.
 */
export function inputItemText(item: unknown): string {
	if (typeof item === 'string') {
		return item;
	}
	if (item === null || typeof item !== 'object') {
		return '';
	}
	const record = item as Record<string, unknown>;
	if (typeof record.content === 'string') {
		return record.content;
	}
	if (Array.isArray(record.content)) {
		const parts: string[] = [];
		for (const part of record.content as unknown[]) {
			if (part !== null && typeof part === 'object' && typeof (part as {text?: unknown}).text === 'string') {
				parts.push((part as {text: string}).text);
			}
		}
		return parts.join('\n');
	}
	if (typeof record.text === 'string') {
		return record.text;
	}
	if (typeof record.output === 'string') {
		return record.output;
	}
	return '';
}

/** The plain text of a whole `input`: a string as it is, or the items' texts joined by blank lines. */
export function inputText(input: string | readonly unknown[]): string {
	if (typeof input === 'string') {
		return input;
	}
	const texts: string[] = [];
	for (const item of input) {
		const text = inputItemText(item);
		if (text !== '') {
			texts.push(text);
		}
	}
	return texts.join('\n\n');
}
