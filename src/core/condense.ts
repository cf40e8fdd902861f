/**
 * `--on-long summarize`, the pure part: which part of a prompt is condensed and which is
 * sent verbatim, the chunks (token-exact, on paragraph, then sentence, then word
 * boundaries), each round's output caps, and the worst case of the whole chain, planned
 * before the first call so budgets can hold it. ./condenseJob.ts makes the calls.
 */
import {inputItemText} from './inputItems.js';
import {countText, truncateToTokens} from './tokens.js';
import type {JobSpec} from './types.js';

/** Rounds of condensing (the pieces of one round joined are the text of the next). */
export const MAX_ROUNDS = 3;
/** A piece smaller than this says too little to be worth a call; fewer, larger pieces and another round do better. */
export const MIN_PIECE_TOKENS = 64;
/** The API refuses `max_output_tokens` below 16. */
const API_MIN_OUTPUT = 16;
/** A piece is at most this share of its chunk, so each round shrinks the text. */
const SHRINK = 0.5;
/** Chunking on boundaries leaves chunks short of the budget; the worst-case plan of later rounds counts them this full. */
const PLANNED_FILL = 0.75;
export const PIECE_SEPARATOR = '\n\n';

export type CondenseKind = 'context' | 'conversation' | 'prompt';

const KEEP = 'Keep every fact, name, number, date and quotation that could matter; drop repetition and filler. Write plain prose with no preamble.';

/** pacer's own condensing instructions, one for each kind of long text. */
export const CONDENSE_INSTRUCTIONS: Readonly<Record<CondenseKind, string>> = {
	context: `You condense part of a document so that questions about it can still be answered from your text alone. ${KEEP}`,
	conversation: `You condense part of a conversation between a user and an assistant so that it can go on without the full history. Keep every decision, fact, name, number, instruction and open question, and who said it. ${KEEP}`,
	prompt: `You condense part of a long prompt that is sent to a model in place of the original. Keep every question, instruction, name and number it contains, word for word; shorten only the rest. ${KEEP}`,
};

/** Where the condensed text goes in the conversation it replaces. */
const CONVERSATION_LABEL = 'The earlier conversation, condensed:\n\n';

/** What is condensed, and how the input is put back together around the condensed text. */
export interface CondenseSplit {
	readonly kind: CondenseKind;
	/** The text to condense. */
	readonly long: string;
	rebuild(condensed: string): string | readonly unknown[];
}

const isSystem = (item: unknown) => {
	const role = (item as {role?: unknown} | null)?.role;
	return role === 'system' || role === 'developer';
};
const roleOf = (item: unknown) => {
	const role = (item as {role?: unknown} | null)?.role;
	return typeof role === 'string' ? role : 'user';
};

/**
 * What of `spec` is condensed: a jsonl `context` alone (the prompt verbatim before it);
 * in an item array the turns between the system/developer items and the last user item;
 * else the whole prompt. A string when nothing can be condensed (the reason).
 */
export function splitForCondensing(spec: Pick<JobSpec, 'input' | 'context'>): CondenseSplit | string {
	const {input, context} = spec;
	if (typeof input === 'string') {
		if (context != null && input.endsWith(`\n\n${context}`)) {
			const prompt = input.slice(0, input.length - context.length - 2);
			return {kind: 'context', long: context, rebuild: condensed => `${prompt}\n\n${condensed}`};
		}
		return {kind: 'prompt', long: input, rebuild: condensed => condensed};
	}
	let lastUser = -1;
	input.forEach((item, i) => {
		if (roleOf(item) === 'user' && !isSystem(item)) lastUser = i;
	});
	const between = input.map((item, i) => ({item, i})).filter(({item, i}) => i < lastUser && !isSystem(item));
	if (between.length === 0) return 'nothing to condense: the input has no turns between its system items and its last user item, which are sent verbatim';
	const long = between.map(({item}) => `${roleOf(item)}: ${inputItemText(item)}`).join(PIECE_SEPARATOR);
	const first = between[0]!.i;
	const dropped = new Set(between.map(({i}) => i));
	return {
		kind: 'conversation',
		long,
		rebuild: condensed => input.flatMap((item, i) => (i === first ? [{role: 'user', content: CONVERSATION_LABEL + condensed}] : dropped.has(i) ? [] : [item])),
	};
}

const BOUNDARIES: readonly RegExp[] = [
	// After a blank line: paragraphs.
	/(?<=\n[ \t]*\n\s*)(?=\S)/u,
	// After a sentence's end and the space that follows it.
	/(?<=[.!?;:。！？]["'”’)\]]*\s+)(?=\S)/u,
	// After any space: words.
	/(?<=\s)(?=\S)/u,
];

/**
 * `text` cut into chunks of at most `maxTokens` tokens each (countText on `model`), on the
 * widest boundary that allows it; a run with no boundary at all is cut on a token boundary.
 * The chunks joined are `text`, exactly.
 */
export function chunkText(text: string, maxTokens: number, model: string, level = 0): string[] {
	if (text === '') return [];
	if (countText(text, model) <= maxTokens) return [text];
	if (level >= BOUNDARIES.length) return cutOnTokens(text, maxTokens, model);
	const parts = text.split(BOUNDARIES[level]!).filter(part => part !== '');
	if (parts.length <= 1) return chunkText(text, maxTokens, model, level + 1);
	const chunks: string[] = [];
	let current = '';
	let currentTokens = 0;
	// Counts of the parts are added as an estimate; each chunk is counted whole when it closes.
	const close = () => {
		if (current === '') return;
		chunks.push(...(countText(current, model) <= maxTokens ? [current] : chunkText(current, maxTokens, model, level + 1)));
		current = '';
		currentTokens = 0;
	};
	for (const part of parts) {
		const tokens = countText(part, model);
		if (tokens > maxTokens) {
			close();
			chunks.push(...chunkText(part, maxTokens, model, level + 1));
			continue;
		}
		if (currentTokens + tokens > maxTokens) close();
		current += part;
		currentTokens += tokens;
	}
	close();
	return chunks;
}

function cutOnTokens(text: string, maxTokens: number, model: string): string[] {
	const chunks: string[] = [];
	let rest = text;
	while (rest !== '') {
		let head = truncateToTokens(rest, maxTokens, model).text;
		// A budget smaller than one character's tokens still moves on by a whole code point.
		if (head === '') head = String.fromCodePoint(rest.codePointAt(0)!);
		chunks.push(head);
		rest = rest.slice(head.length);
	}
	return chunks;
}

/** The room a chain has. */
export interface CondenseRoom {
	/** Tokens the condensed text may take in the final request (N minus the verbatim parts). */
	readonly target: number;
	/** Tokens of chunk text one condensing call may carry (N minus its instruction and overhead). */
	readonly chunk: number;
	readonly model: string;
}

/**
 * What the final request (`finalEstimate` of an input) and one condensing call
 * (`callEstimate` of a chunk) leave for text under `maxInputTokens`.
 */
export function roomFor(
	split: CondenseSplit,
	maxInputTokens: number,
	finalEstimate: (input: string | readonly unknown[]) => number,
	callEstimate: (chunk: string) => number,
	model: string,
): CondenseRoom {
	return {target: maxInputTokens - finalEstimate(split.rebuild('')), chunk: maxInputTokens - callEstimate(''), model};
}

/** The output cap of each chunk of one round: a fair share of the target, at most half its chunk. */
export function capsFor(chunkTokens: readonly number[], target: number): number[] {
	const k = chunkTokens.length;
	const share = Math.floor((target - k * 2) / Math.max(1, k));
	const cap = share >= MIN_PIECE_TOKENS ? share : MIN_PIECE_TOKENS;
	return chunkTokens.map(tokens => Math.max(API_MIN_OUTPUT, Math.min(cap, Math.ceil(tokens * SHRINK))));
}

/** One round: its chunks and their caps. */
export interface CondenseRound {
	readonly chunks: readonly string[];
	readonly caps: readonly number[];
}

export function roundOf(text: string, room: CondenseRoom): CondenseRound {
	const chunks = chunkText(text, room.chunk, room.model);
	return {chunks, caps: capsFor(chunks.map(chunk => countText(chunk, room.model)), room.target)};
}

/** A call of the worst-case plan: its chunk's tokens and its cap. */
export interface PlannedCall {
	readonly chunkTokens: number;
	readonly cap: number;
}

export type CondensePlan = {readonly ok: true; readonly first: CondenseRound; readonly calls: readonly PlannedCall[]; readonly rounds: number} | {readonly ok: false; readonly reason: string};

/**
 * Every call the chain could need if each piece came back at its cap: the first round
 * exactly, later rounds from the worst-case size of the one before. Not ok when the room
 * is too small or the worst case needs more than MAX_ROUNDS.
 */
export function planCondensing(text: string, room: CondenseRoom): CondensePlan {
	if (room.target < MIN_PIECE_TOKENS) return {ok: false, reason: `the parts sent verbatim leave ${Math.max(0, room.target)} tokens for the condensed text (at least ${MIN_PIECE_TOKENS} needed)`};
	if (room.chunk < MIN_PIECE_TOKENS) return {ok: false, reason: `a condensing call leaves ${Math.max(0, room.chunk)} tokens for its chunk beside its instruction (at least ${MIN_PIECE_TOKENS} needed)`};
	const first = roundOf(text, room);
	const calls: PlannedCall[] = [];
	let tokens = first.chunks.map(chunk => countText(chunk, room.model));
	let caps = first.caps;
	for (let round = 1; round <= MAX_ROUNDS; round++) {
		tokens.forEach((chunkTokens, i) => calls.push({chunkTokens, cap: caps[i]!}));
		const worst = caps.reduce((sum, cap) => sum + cap, 0) + (caps.length - 1) * 2;
		if (worst <= room.target) return {ok: true, first, calls, rounds: round};
		const k = Math.ceil(worst / Math.max(1, Math.floor(room.chunk * PLANNED_FILL)));
		tokens = Array.from({length: k}, (_, i) => (i < k - 1 ? Math.floor(worst / k) : worst - Math.floor(worst / k) * (k - 1)));
		caps = capsFor(tokens, room.target);
	}
	return {ok: false, reason: `the text would not come under ${room.target} tokens in ${MAX_ROUNDS} rounds of condensing`};
}
