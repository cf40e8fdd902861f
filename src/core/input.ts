/**
 * Prompt files -> JobSpec[]. Every problem is reported as `file:line: what is wrong`
 * before a single request is sent (DESIGN.md "Input").
 */
import {readFile} from 'node:fs/promises';
import {extname} from 'node:path';
import {CHAT_URL, readChatBody} from './chatBatchLine.js';
import {inputText} from './inputItems.js';
import type {JobSpec} from './types.js';

export type InputKind = 'txt' | 'jsonl';

/**
 * The longest line pacer reads. Far above any context window (1M tokens is ~4 MB of
 * text) yet room for a few inline images; a longer line is almost surely not a prompt.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** How many problems one InputError lists; the rest are only counted. */
export const MAX_LISTED_ERRORS = 20;

/** A prompts file that cannot be used, with the first problem as its message. */
export class InputError extends Error {
	override name = 'InputError';
	/** The file as the user named it (or `<stdin>`). */
	readonly file: string;
	/** 1-based line, or null for a problem with the whole file. */
	readonly line: number | null;
	/** What is wrong, without the `file:line: ` prefix. */
	readonly reason: string;
	/** Every problem found, this one first, at most MAX_LISTED_ERRORS of them. */
	readonly errors: readonly InputError[];
	/** How many problems the file has in all. */
	readonly errorCount: number;

	constructor(file: string, line: number | null, reason: string, all?: {errors: readonly InputError[]; errorCount: number}) {
		super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
		this.file = file;
		this.line = line;
		this.reason = reason;
		this.errors = all?.errors ?? [this];
		this.errorCount = all?.errorCount ?? 1;
	}

	/** Every listed problem, one a line, and how many more there are: what the CLI prints. */
	get detail(): string {
		const lines = this.errors.map((error) => error.message);
		const unlisted = this.errorCount - this.errors.length;
		if (unlisted > 0) {
			lines.push(`... and ${unlisted} more ${unlisted === 1 ? 'problem' : 'problems'}`);
		}
		return lines.join('\n');
	}
}

export interface ReadJobsOptions {
	/**
	 * Read when the path is `-`.
	 * @default process.stdin
	 */
	readonly stdin?: NodeJS.ReadableStream;
	/**
	 * The file's name in error messages.
	 * @default the path as given, or `<stdin>` for `-`
	 */
	readonly displayName?: string;
	/**
	 * The format, instead of guessing it.
	 * @default from the extension (`.txt`, `.jsonl`/`.ndjson`), else from the content
	 */
	readonly kind?: InputKind;
}

/** Reads a prompts file (or stdin for `-`) into job specs. Throws InputError. */
export async function readJobs(path: string, options: ReadJobsOptions = {}): Promise<JobSpec[]> {
	const isStdin = path === '-';
	const name = options.displayName ?? (isStdin ? '<stdin>' : path);
	let content: Buffer;
	if (isStdin) {
		content = await readStream(options.stdin ?? process.stdin);
	} else {
		try {
			content = await readFile(path);
		} catch (error) {
			throw new InputError(name, null, describeReadError(error));
		}
	}
	return parseJobs(content, name, options.kind ?? detectKind(isStdin ? '' : path, content, name));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) {
		chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
	}
	return Buffer.concat(chunks);
}

function describeReadError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | null)?.code;
	switch (code) {
		case 'ENOENT':
			return 'no such file';
		case 'EISDIR':
			return 'is a directory';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		default:
			return `cannot read (${error instanceof Error ? error.message : String(error)})`;
	}
}

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

/**
 * Parses a whole prompts file. Collects up to MAX_LISTED_ERRORS problems and throws
 * them as one InputError (the first as its message); returns specs only for a clean file.
 */
export function parseJobs(text: string | Buffer, fileName: string, kind: InputKind): JobSpec[] {
	const specs: JobSpec[] = [];
	const errors: InputError[] = [];
	let errorCount = 0;
	const firstLineOf = new Map<string, number>();
	let sawLine = false;
	const fail = (line: number, reason: string) => {
		errorCount++;
		if (errors.length < MAX_LISTED_ERRORS) {
			errors.push(new InputError(fileName, line, reason));
		}
	};

	forEachLine(text, (line, content, bytes) => {
		if (bytes > MAX_LINE_BYTES) {
			sawLine = true;
			fail(line, `line is ${bytes} bytes, over the ${MAX_LINE_BYTES / 1024 / 1024} MiB limit`);
			return;
		}
		if (content === undefined) {
			sawLine = true;
			fail(line, 'not valid UTF-8');
			return;
		}
		if (isBlank(content)) {
			return;
		}
		sawLine = true;
		let spec: JobSpec;
		try {
			spec = kind === 'txt' ? {id: `line-${line}`, line, input: content, text: content} : parseJsonLine(content, line);
		} catch (error) {
			if (error instanceof LineProblem) {
				fail(line, error.message);
				return;
			}
			throw error;
		}
		const first = firstLineOf.get(spec.id);
		if (first !== undefined) {
			fail(line, `duplicate id ${JSON.stringify(spec.id)} (first on line ${first})`);
			return;
		}
		firstLineOf.set(spec.id, line);
		specs.push(spec);
	});

	if (errors.length > 0) {
		const [first] = errors;
		throw new InputError(fileName, first!.line, first!.reason, {errors, errorCount});
	}
	if (!sawLine) {
		throw new InputError(fileName, null, text.length === 0 ? 'no prompts (the file is empty)' : 'no prompts (only blank lines)');
	}
	return specs;
}

const fatalUtf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

/**
 * Calls `onLine` for each line (without its `\n` or `\r\n`) with its 1-based number and
 * size in bytes; `content` is undefined when the bytes are not UTF-8. A line over
 * MAX_LINE_BYTES is not decoded at all.
 */
function forEachLine(source: string | Buffer, onLine: (line: number, content: string | undefined, bytes: number) => void): void {
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

function isBlank(text: string): boolean {
	return text.trim() === '';
}

/** A problem with one line; becomes an InputError with the file and line. */
class LineProblem extends Error {
	override name = 'LineProblem';
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function has(object: JsonObject, key: string): boolean {
	return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Present and not null: JSON null means "not set", as the API treats it. */
function given(object: JsonObject, key: string): boolean {
	return has(object, key) && object[key] !== null;
}

const BODY_ONLY =
	'other request fields go in a Batch API line ({"custom_id", "method": "POST", "url": "/v1/responses", "body": {...}})';

// Fields people reach for by habit. Ignoring them would silently drop a setting.
const MISNAMED: Readonly<Record<string, string>> = {
	max_tokens: 'did you mean "max_output_tokens"?',
	max_completion_tokens: 'did you mean "max_output_tokens"?',
	maxOutputTokens: 'did you mean "max_output_tokens"?',
	system: 'did you mean "instructions"?',
	system_prompt: 'did you mean "instructions"?',
	instruction: 'did you mean "instructions"?',
	messages: 'that is the Chat Completions shape; put the messages in "input"',
	temperature: BODY_ONLY,
	top_p: BODY_ONLY,
	reasoning: BODY_ONLY,
	tools: BODY_ONLY,
	service_tier: BODY_ONLY,
};

function parseJsonLine(text: string, line: number): JobSpec {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new LineProblem(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
	}
	if (!isObject(value)) {
		throw new LineProblem(`expected a JSON object, got ${describeType(value)}`);
	}
	if (has(value, 'body') || has(value, 'custom_id') || has(value, 'method') || has(value, 'url')) {
		return parseBatchLine(value, line);
	}
	return parsePacerLine(value, line);
}

function parsePacerLine(object: JsonObject, line: number): JobSpec {
	for (const key of Object.keys(object)) {
		if (Object.hasOwn(MISNAMED, key)) {
			throw new LineProblem(`"${key}" is not a pacer field; ${MISNAMED[key]}`);
		}
	}
	const id = readId(object, 'id', line);
	let input: string | readonly unknown[];
	if (has(object, 'prompt') && has(object, 'input')) {
		throw new LineProblem('has both "prompt" and "input"; use one');
	} else if (has(object, 'prompt')) {
		const prompt = object.prompt;
		if (typeof prompt !== 'string') {
			throw new LineProblem(`"prompt" must be a string, got ${describeType(prompt)}`);
		}
		if (isBlank(prompt)) {
			throw new LineProblem('"prompt" is empty');
		}
		input = prompt;
	} else if (has(object, 'input')) {
		input = readInput(object.input, '"input"');
	} else {
		const keys = Object.keys(object);
		throw new LineProblem(`missing "prompt" (or "input")${keys.length > 0 ? `; found ${keys.map((key) => JSON.stringify(key)).join(', ')}` : ''}`);
	}
	return buildSpec(id, line, input, object, '');
}

function parseBatchLine(object: JsonObject, line: number): JobSpec {
	const id = readId(object, 'custom_id', line);
	if (has(object, 'method') && object.method !== 'POST') {
		throw new LineProblem(`"method" must be "POST", got ${JSON.stringify(object.method)}`);
	}
	if (has(object, 'url') && object.url !== '/v1/responses' && object.url !== CHAT_URL) {
		throw new LineProblem(`"url" must be "/v1/responses" or "${CHAT_URL}", got ${JSON.stringify(object.url)}`);
	}
	if (!has(object, 'body')) {
		throw new LineProblem('Batch API line has no "body"');
	}
	const body = object.body;
	if (!isObject(body)) {
		throw new LineProblem(`"body" must be an object, got ${describeType(body)}`);
	}
	if (object.url === CHAT_URL) {
		const chat = readChatBody(body, (reason) => new LineProblem(reason));
		return {...buildSpec(id, line, chat.messages, body, 'body.'), ...chat.spec};
	}
	if (!has(body, 'input')) {
		throw new LineProblem(has(body, 'messages') ? '"body.messages" is the Chat Completions shape; the Responses API takes "body.input"' : '"body.input" is missing');
	}
	const input = readInput(body.input, '"body.input"');
	const extraBody: JsonObject = {};
	for (const key of Object.keys(body)) {
		// pacer decides streaming itself; the Batch API refuses `stream` anyway.
		if (!PACER_FIELDS.has(key) && key !== 'stream') {
			extraBody[key] = body[key];
		}
	}
	const spec = {...buildSpec(id, line, input, body, 'body.'), ...(object.url === '/v1/responses' ? {api: 'responses' as const} : {})};
	return Object.keys(extraBody).length > 0 ? {...spec, extraBody} : spec;
}

const PACER_FIELDS = new Set(['model', 'input', 'instructions', 'max_output_tokens', 'metadata']);

function buildSpec(id: string, line: number, input: string | readonly unknown[], fields: JsonObject, prefix: string): JobSpec {
	const spec: {-readonly [K in keyof JobSpec]: JobSpec[K]} = {id, line, input, text: inputText(input)};
	if (given(fields, 'model')) {
		const model = fields.model;
		if (typeof model !== 'string' || model.trim() === '') {
			throw new LineProblem(`"${prefix}model" must be a non-empty string, got ${describeType(model)}`);
		}
		spec.model = model;
	}
	if (given(fields, 'instructions')) {
		const instructions = fields.instructions;
		if (typeof instructions !== 'string') {
			throw new LineProblem(`"${prefix}instructions" must be a string, got ${describeType(instructions)}`);
		}
		spec.instructions = instructions;
	}
	if (given(fields, 'max_output_tokens')) {
		const max = fields.max_output_tokens;
		// The API answers 400 integer_below_min_value below 16.
		if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 16) {
			throw new LineProblem(`"${prefix}max_output_tokens" must be an integer >= 16, got ${describeValue(max)}`);
		}
		spec.maxOutputTokens = max;
	}
	if (given(fields, 'metadata')) {
		spec.metadata = readMetadata(fields.metadata, `${prefix}metadata`);
	}
	return spec;
}

/**
 * Ids are strings; an integer id (common in exported datasets) becomes its decimal
 * string, so `7` and `"7"` are the same id.
 */
function readId(object: JsonObject, key: 'id' | 'custom_id', line: number): string {
	if (!given(object, key)) {
		return `line-${line}`;
	}
	const id = object[key];
	if (typeof id === 'number' && Number.isSafeInteger(id)) {
		return String(id);
	}
	if (typeof id !== 'string') {
		throw new LineProblem(`"${key}" must be a string (or an integer), got ${describeValue(id)}`);
	}
	if (id === '') {
		throw new LineProblem(`"${key}" is empty`);
	}
	return id;
}

function readInput(input: unknown, label: string): string | readonly unknown[] {
	if (typeof input === 'string') {
		if (isBlank(input)) {
			throw new LineProblem(`${label} is empty`);
		}
		return input;
	}
	if (Array.isArray(input)) {
		if (input.length === 0) {
			throw new LineProblem(`${label} is an empty array`);
		}
		const bad = input.findIndex((item) => !isObject(item));
		if (bad !== -1) {
			throw new LineProblem(`${label}[${bad}] must be an input item object, got ${describeType(input[bad])}`);
		}
		return input;
	}
	throw new LineProblem(`${label} must be a string or an array of input items, got ${describeType(input)}`);
}

// The API's limits: at most 16 pairs, keys up to 64 characters, values up to 512.
function readMetadata(value: unknown, label: string): Readonly<Record<string, string>> {
	if (!isObject(value)) {
		throw new LineProblem(`"${label}" must be an object of strings, got ${describeType(value)}`);
	}
	const entries = Object.entries(value);
	if (entries.length > 16) {
		throw new LineProblem(`"${label}" has ${entries.length} keys; the API allows at most 16`);
	}
	for (const [key, item] of entries) {
		if (key.length > 64) {
			throw new LineProblem(`"${label}" key ${JSON.stringify(key.slice(0, 20) + '...')} is over 64 characters`);
		}
		if (typeof item !== 'string') {
			throw new LineProblem(`"${label}.${key}" must be a string, got ${describeType(item)}`);
		}
		if (item.length > 512) {
			throw new LineProblem(`"${label}.${key}" is ${item.length} characters; the API allows at most 512`);
		}
	}
	return Object.fromEntries(entries) as Record<string, string>;
}

function describeType(value: unknown): string {
	if (value === null) {
		return 'null';
	}
	if (Array.isArray(value)) {
		return 'an array';
	}
	switch (typeof value) {
		case 'object':
			return 'an object';
		case 'string':
			return 'a string';
		case 'number':
			return 'a number';
		case 'boolean':
			return 'a boolean';
		default:
			return typeof value;
	}
}

function describeValue(value: unknown): string {
	if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
		return String(value);
	}
	if (typeof value === 'string') {
		return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
	}
	return describeType(value);
}
