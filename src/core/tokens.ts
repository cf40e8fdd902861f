/**
 * Token counting on gpt-tokenizer, for pacing (tokens/min), budgets and `pacer count`.
 *
 * Every count here is an estimate: the API does not publish how it counts a Responses
 * request, so pacer uses the chat formula plus a per-family constant (openai-wire.md §8)
 * and the engine corrects its books from `usage.input_tokens` afterwards.
 */
import {createRequire} from 'node:module';
import type * as Encoding from 'gpt-tokenizer/encoding/o200k_base';
import {chatMessages, type ChatMessageOut} from './chatMessages.js';
import {inputItemText} from './inputItems.js';
import type {ApiName} from './types.js';

export type EncodingName = 'o200k_base' | 'cl100k_base' | 'o200k_harmony';

type Tokenizer = Pick<typeof Encoding, 'encode' | 'decode' | 'countTokens' | 'isWithinTokenLimit'>;

// An encoding's tables take ~60-120 ms to load, which `pacer --help` must not pay. A
// synchronous require on first use keeps every counting function synchronous (the
// limiter calls them on its hot path) while startup loads nothing.
const requireCjs = createRequire(import.meta.url);
const loaded = new Map<EncodingName, Tokenizer>();

function tokenizer(encoding: EncodingName): Tokenizer {
	let found = loaded.get(encoding);
	if (!found) {
		found = requireCjs(`gpt-tokenizer/encoding/${encoding}`) as Tokenizer;
		loaded.set(encoding, found);
	}
	return found;
}

/** The encodings whose tables are in memory: a run that never needed a count has none. */
export function encodingsLoaded(): EncodingName[] {
	return [...loaded.keys()];
}

// Prompts are user data: `<|endoftext|>` in one is text, not a control token.
const PLAIN_TEXT = {disallowedSpecial: new Set<string>()};

/** `ft:gpt-4o-mini:org::id` and `openai/gpt-4o` name the same base model as `gpt-4o-mini` / `gpt-4o`. */
export function baseModelName(model: string): string {
	let name = model.trim().toLowerCase();
	if (name.startsWith('ft:')) {
		name = name.slice(3).split(':')[0] ?? '';
	}
	const slash = name.lastIndexOf('/');
	if (slash !== -1) {
		name = name.slice(slash + 1);
	}
	return name;
}

/**
 * The encoding a model uses (tiktoken's `model.py` map). Unknown models get
 * `o200k_base`, as every model since gpt-4o does.
 */
export function encodingFor(model: string): EncodingName {
	const name = baseModelName(model);
	if (name.startsWith('gpt-oss')) {
		return 'o200k_harmony';
	}
	// gpt-4 and gpt-4-turbo, but not gpt-4o / gpt-4.1 / gpt-4.5.
	if (/^gpt-4(?:$|-)/.test(name) || name.startsWith('gpt-3.5') || name.startsWith('gpt-35')) {
		return 'cl100k_base';
	}
	if (name.startsWith('text-embedding-3') || name === 'text-embedding-ada-002') {
		return 'cl100k_base';
	}
	return 'o200k_base';
}

/** Tokens in `text` alone, with special-token-like text counted as plain text. */
export function countText(text: string, model: string): number {
	return tokenizer(encodingFor(model)).countTokens(text, PLAIN_TEXT);
}

/**
 * Hidden input tokens the API adds for a model family beyond the chat formula.
 * Observed: gpt-5-nano billed 19 for a prompt the formula puts at 10 (openai-wire.md §8).
 * Not observed for o-series models, so they get 0 until usage says otherwise.
 */
export function preambleTokens(model: string): number {
	return baseModelName(model).startsWith('gpt-5') ? 9 : 0;
}

/** What countInputTokens needs of a job; a `JobSpec` fits. */
export interface TokenCountInput {
	/** The prompt as plain text; counted as one user message when `input` is not an array. */
	readonly text: string;
	/** When an array of input items, each message is counted with its own role. */
	readonly input?: string | readonly unknown[];
	readonly instructions?: string;
	/** `chat`: counted as the `messages` the chat client sends (an array `input` holds chat messages). @default 'responses' */
	readonly api?: ApiName;
}

// Chat formula (OpenAI cookbook): 3 tokens per message + role + content, 3 to prime the reply.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/**
 * Input tokens the API will probably bill for `job` on `model`: the chat formula,
 * `instructions` as one more system message, plus the family preamble. An estimate,
 * corrected by `usage.input_tokens` once a reply arrives. Images and files in input
 * items are not counted.
 */
export function countInputTokens(job: TokenCountInput, model: string): number {
	if (job.api === 'chat') {
		const input = Array.isArray(job.input) ? job.input : job.text;
		return countChatInputTokens(chatMessages({input, ...(job.instructions !== undefined ? {instructions: job.instructions} : {})}), model);
	}
	const count = (text: string) => countText(text, model);
	let total = REPLY_PRIMING + preambleTokens(model);
	if (job.instructions !== undefined && job.instructions !== '') {
		total += PER_MESSAGE + roleTokens('system', model) + count(job.instructions);
	}
	if (Array.isArray(job.input)) {
		for (const item of job.input as readonly unknown[]) {
			const {role, text, name} = messageOf(item);
			total += PER_MESSAGE + roleTokens(role, model) + count(text);
			if (name !== undefined) {
				total += count(name) + 1;
			}
		}
	} else {
		total += PER_MESSAGE + roleTokens('user', model) + count(job.text);
	}
	return total;
}

/**
 * Prompt tokens of a Chat Completions `messages` array (openai-wire.md §8 and §10): per
 * message 3 + its role + its content's text (+ a `name`'s tokens + 1), 3 to prime the
 * reply, plus the family preamble. Image and file parts are not counted.
 */
export function countChatInputTokens(messages: readonly ChatMessageOut[], model: string): number {
	let total = REPLY_PRIMING + preambleTokens(model);
	for (const message of messages) {
		total += PER_MESSAGE + roleTokens(message.role, model) + countText(inputItemText(message), model);
		if (typeof message.name === 'string') total += countText(message.name, model) + 1;
	}
	return total;
}

const roleCounts = new Map<string, number>();

// Roles repeat on every message; counting them once per encoding halves a big count.
function roleTokens(role: string, model: string): number {
	const key = `${encodingFor(model)}\u0000${role}`;
	let tokens = roleCounts.get(key);
	if (tokens === undefined) {
		tokens = countText(role, model);
		if (roleCounts.size < 64) {
			roleCounts.set(key, tokens);
		}
	}
	return tokens;
}

/** The estimate the limiter charges at dispatch, before usage corrects it. */
export function reservationTokens(inputTokens: number, maxOutputTokens: number): number {
	return inputTokens + maxOutputTokens;
}

export interface Truncation {
	/** A prefix of the input, at most `maxTokens` tokens long. */
	readonly text: string;
	readonly truncated: boolean;
	/** Tokens of the input that are not in `text`. */
	readonly removedTokens: number;
}

/**
 * Keeps the head of `text` up to `maxTokens` tokens, cut on a token boundary. The result
 * is always a prefix of `text` (never a half character) and never counts more than
 * `maxTokens` tokens when encoded again.
 */
export function truncateToTokens(text: string, maxTokens: number, model: string): Truncation {
	const limit = Math.max(0, Math.floor(maxTokens));
	const encoding = tokenizer(encodingFor(model));
	// Cheap check first: most prompts fit, and isWithinTokenLimit stops at the limit.
	if (encoding.isWithinTokenLimit(text, limit, PLAIN_TEXT) !== false) {
		return {text, truncated: false, removedTokens: 0};
	}
	const tokens = encoding.encode(text, PLAIN_TEXT);
	let keep = limit;
	for (;;) {
		const head = commonPrefix(encoding.decode(tokens.slice(0, keep)), text);
		const headTokens = encoding.countTokens(head, PLAIN_TEXT);
		// Re-encoding a cut chunk can merge differently; step back until it fits.
		if (headTokens <= limit || keep === 0) {
			return {text: head, truncated: true, removedTokens: tokens.length - headTokens};
		}
		keep = Math.max(0, keep - Math.max(1, headTokens - limit));
	}
}

/**
 * Cuts a job's prompt text so that its whole input estimate (countInputTokens, with the
 * message overhead and instructions) fits `maxInputTokens`: what `--max-input-tokens`
 * with `--on-long truncate` needs, so a truncated prompt passes the same check that
 * `--on-long fail` applies. Array inputs are returned as they are (not truncated).
 */
export function fitInputToTokens(job: TokenCountInput, maxInputTokens: number, model: string): Truncation {
	const total = countInputTokens(job, model);
	if (total <= maxInputTokens || Array.isArray(job.input)) {
		return {text: job.text, truncated: false, removedTokens: 0};
	}
	const overhead = total - countText(job.text, model);
	return truncateToTokens(job.text, Math.max(0, maxInputTokens - overhead), model);
}

/**
 * The longest prefix of `text` that `decoded` starts with. A token boundary can fall
 * inside a UTF-8 sequence, which decodes to U+FFFD; this drops it, and never splits a
 * surrogate pair.
 */
function commonPrefix(decoded: string, text: string): string {
	let i = 0;
	const n = Math.min(decoded.length, text.length);
	while (i < n && decoded.charCodeAt(i) === text.charCodeAt(i)) {
		i++;
	}
	const last = text.charCodeAt(i - 1);
	if (i > 0 && last >= 0xd800 && last <= 0xdbff) {
		i--;
	}
	return text.slice(0, i);
}

interface Message {
	role: string;
	text: string;
	name?: string;
}

function messageOf(item: unknown): Message {
	if (typeof item === 'string') {
		return {role: 'user', text: item};
	}
	if (item === null || typeof item !== 'object') {
		return {role: 'user', text: ''};
	}
	const record = item as Record<string, unknown>;
	const role = typeof record.role === 'string' ? record.role : 'user';
	const name = typeof record.name === 'string' ? record.name : undefined;
	return {role, text: inputItemText(item), ...(name === undefined ? {} : {name})};
}
