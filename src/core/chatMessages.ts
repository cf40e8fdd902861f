/**
 * A neutral request's prompt as Chat Completions `messages` (openai-wire.md §10): the
 * instructions as a first `system` message (never pasted into the user's), a string as
 * one user message, and Responses input items turned into chat messages. The chat client
 * sends these and the token estimate of a chat job counts these, so both see one shape.
 */

/** A chat message as pacer sends it; other fields of the caller's messages pass through. */
export interface ChatMessageOut {
	readonly role: string;
	readonly content?: unknown;
	readonly name?: string;
	readonly [field: string]: unknown;
}

/** What the mapping needs of a request: a `ModelRequest` or a `JobSpec` fits. */
export interface ChatPrompt {
	readonly input: string | readonly unknown[];
	readonly instructions?: string;
}

// Responses content parts -> chat content parts; parts chat already knows pass as they are.
function chatPart(part: unknown): unknown {
	if (part === null || typeof part !== 'object') return part;
	const p = part as Record<string, unknown>;
	switch (p.type) {
		case 'input_text':
		case 'output_text':
			return {type: 'text', text: p.text};
		case 'input_image': {
			const url = typeof p.image_url === 'string' ? p.image_url : null;
			if (!url) return part;
			return {type: 'image_url', image_url: {url, ...(typeof p.detail === 'string' ? {detail: p.detail} : {})}};
		}
		default:
			return part;
	}
}

function chatMessage(item: unknown): ChatMessageOut {
	if (typeof item === 'string') return {role: 'user', content: item};
	if (item === null || typeof item !== 'object') return {role: 'user', content: String(item)};
	const {type, content, role, ...rest} = item as Record<string, unknown>;
	// `type: "message"` is the Responses item wrapper; chat has no such field.
	const out: Record<string, unknown> = type === 'message' || type === undefined ? {...rest} : {type, ...rest};
	out.role = typeof role === 'string' ? role : 'user';
	if (content !== undefined) out.content = Array.isArray(content) ? content.map(chatPart) : content;
	return out as ChatMessageOut;
}

/** The `messages` of a chat request for this prompt. */
export function chatMessages(prompt: ChatPrompt): ChatMessageOut[] {
	const messages: ChatMessageOut[] = [];
	if (prompt.instructions != null && prompt.instructions !== '') messages.push({role: 'system', content: prompt.instructions});
	if (typeof prompt.input === 'string') messages.push({role: 'user', content: prompt.input});
	else for (const item of prompt.input) messages.push(chatMessage(item));
	return messages;
}
