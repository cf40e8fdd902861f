/** Which model names exist, which reason, and the dated snapshot each echoes. */

const SNAPSHOTS: Readonly<Record<string, string>> = {
	'gpt-4o': 'gpt-4o-2024-08-06',
	'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
	'gpt-4.1': 'gpt-4.1-2025-04-14',
	'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
	'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
	'gpt-5': 'gpt-5-2025-08-07',
	'gpt-5-mini': 'gpt-5-mini-2025-08-07',
	'gpt-5-nano': 'gpt-5-nano-2025-08-07',
	'gpt-5.1': 'gpt-5.1-2025-11-13',
	'gpt-5.2': 'gpt-5.2-2025-12-11',
	'gpt-5.4': 'gpt-5.4-2026-03-05',
	'gpt-5.4-mini': 'gpt-5.4-mini-2026-03-17',
	'gpt-5.4-nano': 'gpt-5.4-nano-2026-03-17',
	o3: 'o3-2025-04-16',
	'o3-mini': 'o3-mini-2025-01-31',
	'o4-mini': 'o4-mini-2025-04-16',
};

/** Stands in for the release date of a model the table does not know. */
const FALLBACK_DATE = '2026-03-17';

export function isKnownModel(model: string): boolean {
	return /^(gpt-|o\d|chatgpt-)/.test(model);
}

/** gpt-5* and o-series: reasoning models (no temperature/top_p, a reasoning item, a preamble). */
export function isReasoningModel(model: string): boolean {
	return /^(gpt-5|o\d)/.test(model) && !model.includes('chat-latest');
}

export function isGpt5(model: string): boolean {
	return model.startsWith('gpt-5');
}

export function snapshotOf(model: string): string {
	if (/-\d{4}-\d{2}-\d{2}$/.test(model) || model.endsWith('-latest')) return model;
	return SNAPSHOTS[model] ?? `${model}-${FALLBACK_DATE}`;
}

export function listModels(): Array<{id: string; object: 'model'; created: number; owned_by: string}> {
	const created = 1_700_000_000;
	return Object.keys(SNAPSHOTS).map((id) => ({id, object: 'model', created, owned_by: 'system'}));
}
