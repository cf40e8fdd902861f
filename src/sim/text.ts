/**
 * Seeded English-ish output and token counts. Output is built from pieces that are one
 * o200k token each, so the text of N pieces is exactly N tokens, and cutting it at
 * `max_output_tokens` is cutting the piece list.
 */
import {createRequire} from 'node:module';
import type * as Encoding from 'gpt-tokenizer/encoding/o200k_base';
import type {Rng} from './random.js';

// The same CommonJS module that src/core/tokens.ts requires: one copy of the o200k tables
// (~150 ms to build) serves a run and its simulator, loaded when the first reply is made.
const requireCjs = createRequire(import.meta.url);
let o200k: Pick<typeof Encoding, 'encode' | 'countTokens'> | null = null;
const tokenizer = () => (o200k ??= requireCjs('gpt-tokenizer/encoding/o200k_base') as typeof Encoding);

const ENCODE_OPTIONS = {disallowedSpecial: new Set<string>()};

const CANDIDATE_WORDS = `the of and to in is that it for as with was on be by this are from at or an
have not but they which one you were all we can has there their been if more when will would who so
no other time some what only new about also people into than its these two may first then any like
well way could many over such very after where most make through back much before our good should
because each those between same under while both last work found here long still made right think
world need small high part number system place group case point week company river garden morning
light water paper story city answer report simple model value result plan data price market open
clear quick quiet bright early later often never always maybe sure true real full short local final
common general public social human early major large little great strong green blue warm cold
fast slow safe ready useful careful gentle steady calm round plain fair`.split(/\s+/).filter(Boolean);

function isOneToken(text: string): boolean {
	return tokenizer().encode(text, ENCODE_OPTIONS).length === 1;
}

function capitalise(word: string): string {
	return word[0].toUpperCase() + word.slice(1);
}

interface Word {
	readonly lower: string;
	readonly spacedCapital: string;
	readonly bareCapital: string;
}

/** Only words whose every spelling we use is a single token. */
let oneTokenWords: readonly Word[] | null = null;
const words = (): readonly Word[] =>
	(oneTokenWords ??= [...new Set(CANDIDATE_WORDS)]
		.map((w) => ({lower: ` ${w}`, spacedCapital: ` ${capitalise(w)}`, bareCapital: capitalise(w)}))
		.filter((w) => isOneToken(w.lower) && isOneToken(w.spacedCapital) && isOneToken(w.bareCapital)));

/** `count` pieces of seeded prose; joined, they are exactly `count` tokens. */
export function generatePieces(rng: Rng, count: number): string[] {
	const WORDS = words();
	const pieces: string[] = [];
	let sentenceLeft = 0;
	while (pieces.length < count) {
		if (sentenceLeft === 0) {
			const word = rng.pick(WORDS);
			pieces.push(pieces.length === 0 ? word.bareCapital : word.spacedCapital);
			sentenceLeft = rng.int(5, 15);
			continue;
		}
		sentenceLeft--;
		if (sentenceLeft === 0) {
			pieces.push('.');
		} else if (sentenceLeft > 2 && pieces.at(-1) !== ',' && rng.next() < 0.08) {
			pieces.push(',');
		} else {
			pieces.push(rng.pick(WORDS).lower);
		}
	}
	return pieces;
}

export function countTextTokens(text: string): number {
	return text.length === 0 ? 0 : tokenizer().countTokens(text, ENCODE_OPTIONS);
}

/** Chat-format overhead per message (3) plus a one-token role. */
const MESSAGE_OVERHEAD = 4;
/** Every reply is primed with 3 tokens. */
const REPLY_PRIMING = 3;
/** gpt-5-family models bill about 9 tokens of hidden preamble (openai-wire.md §8). */
export const GPT5_PREAMBLE = 9;
/** A flat charge per image or file part; the simulator does not look inside them. */
const ATTACHMENT_TOKENS = 85;

function contentTokens(content: unknown): number {
	if (typeof content === 'string') return countTextTokens(content);
	if (!Array.isArray(content)) return 0;
	let total = 0;
	for (const part of content) {
		if (part && typeof part === 'object') {
			const text = (part as {text?: unknown}).text;
			if (typeof text === 'string') total += countTextTokens(text);
			else total += ATTACHMENT_TOKENS;
		}
	}
	return total;
}

/** The billed input tokens of `instructions` + `input`, as the real API counts them (§8). */
export function countInputTokens(input: string | readonly unknown[], instructions: string | null, gpt5: boolean): number {
	let total = REPLY_PRIMING + (gpt5 ? GPT5_PREAMBLE : 0);
	if (instructions) total += MESSAGE_OVERHEAD + countTextTokens(instructions);
	if (typeof input === 'string') return total + MESSAGE_OVERHEAD + countTextTokens(input);
	for (const item of input) {
		if (item && typeof item === 'object' && 'content' in item) {
			total += MESSAGE_OVERHEAD + contentTokens((item as {content: unknown}).content);
		} else {
			total += countTextTokens(JSON.stringify(item) ?? '');
		}
	}
	return total;
}

/** Tokens a chat message adds before its role and content. */
const CHAT_MESSAGE_TOKENS = 3;

/**
 * The billed prompt tokens of a Chat Completions `messages` array, by the cookbook's chat
 * formula (§8): 3 per message plus its role and content, a `name` adds its tokens plus 1,
 * 3 to prime the reply; plus the gpt-5 preamble. One system and one user message count
 * the same as the Responses request with those `instructions` and that `input`.
 */
export function countChatInputTokens(messages: readonly {role: string; content?: unknown; name?: unknown}[], gpt5: boolean): number {
	let total = REPLY_PRIMING + (gpt5 ? GPT5_PREAMBLE : 0);
	for (const message of messages) {
		total += CHAT_MESSAGE_TOKENS + countTextTokens(message.role) + contentTokens(message.content);
		if (typeof message.name === 'string') total += countTextTokens(message.name) + 1;
	}
	return total;
}
