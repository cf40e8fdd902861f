/**
 * `--api responses|chat|auto`: which client each attempt goes to. A request that names its
 * API (a Batch API line's `url`) goes there. `auto` sends Responses and, when the server
 * answers 404 for the route itself before any Responses attempt succeeded, switches the
 * whole run to chat and re-sends that same attempt there: the 404 is never a prompt's
 * failure, an attempt or a retry, and the switch is reported once.
 */
import {ChatClient} from './chatClient.js';
import type {AttemptOptions, AttemptResult, ModelClient, ModelRequest, OpenAIClientOptions} from './client.js';
import {ResponsesClient} from './responsesClient.js';
import type {ApiName} from './types.js';

export type ApiChoice = ApiName | 'auto';

export interface ApiRouterOptions {
	/** @default 'auto' */
	readonly api?: ApiChoice;
	readonly responses: ModelClient;
	readonly chat: ModelClient;
	/** Called once, when `auto` switches the run to chat, with the note the screen and the summary show. */
	readonly onSwitch?: (note: string) => void;
}

/**
 * A 404 for the path itself (a server without `/responses`): the real API says
 * `Invalid URL (POST /v1/responses)` with code null; other servers say `Not Found` or send
 * a plain-text page. An unknown model is a 404 too, but names the model: never a switch.
 */
export function isUnknownRoute(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const e = error as {status?: unknown; code?: unknown; message?: unknown};
	if (e.status !== 404) return false;
	if (e.code != null && e.code !== '') return false;
	const message = typeof e.message === 'string' ? e.message : '';
	if (/invalid url/i.test(message)) return true;
	return !/model/i.test(message);
}

/** Short enough for the dashboard's header line. */
export const SWITCH_NOTE = 'switched to chat: the server has no /responses';

export class ApiRouter implements ModelClient {
	readonly #choice: ApiChoice;
	readonly #responses: ModelClient;
	readonly #chat: ModelClient;
	readonly #onSwitch: ((note: string) => void) | undefined;
	#current: ApiName;
	/** A Responses attempt succeeded: from now on a 404 is only that prompt's. */
	#settled = false;
	#note: string | null = null;

	constructor(options: ApiRouterOptions) {
		this.#choice = options.api ?? 'auto';
		this.#responses = options.responses;
		this.#chat = options.chat;
		this.#onSwitch = options.onSwitch;
		this.#current = this.#choice === 'chat' ? 'chat' : 'responses';
	}

	/** The API requests that name none go to now. */
	get current(): ApiName {
		return this.#current;
	}

	get apiNote(): string | null {
		return this.#note;
	}

	apiFor(request: ModelRequest): ApiName {
		return request.api ?? this.#current;
	}

	async attempt(request: ModelRequest, options: AttemptOptions = {}): Promise<AttemptResult> {
		const api = this.apiFor(request);
		if (api === 'chat') return this.#chat.attempt(request, options);
		if (this.#choice !== 'auto' || request.api) return this.#responses.attempt(request, options);
		try {
			const result = await this.#responses.attempt(request, options);
			this.#settled = true;
			return result;
		} catch (error) {
			// Attempts already on their way when the switch came get the same 404: they follow it.
			if (!isUnknownRoute(error) || (this.#settled && this.#current !== 'chat')) throw error;
			this.#switchToChat();
			return this.#chat.attempt(request, options);
		}
	}

	#switchToChat(): void {
		if (this.#current === 'chat') return;
		this.#current = 'chat';
		this.#note = SWITCH_NOTE;
		this.#onSwitch?.(SWITCH_NOTE);
	}
}

/** The SDK clients of both APIs behind one router, as a run uses them. */
export function apiClient(choice: ApiChoice, connect: OpenAIClientOptions, onSwitch?: (note: string) => void): ApiRouter {
	return new ApiRouter({api: choice, responses: new ResponsesClient(connect), chat: new ChatClient(connect), onSwitch});
}
