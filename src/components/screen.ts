/**
 * The terminal the dashboard draws on: the alternate screen buffer while it runs (restored
 * on every exit path, idempotently), and the stream Ink writes to, which passes every write
 * on to listeners as well, so that a recorder can tee exactly what was drawn.
 */

const ENTER = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

export type OutputListener = (data: string) => void;

export class TerminalScreen {
	/** What Ink renders to: the real stream, with writes also told to the listeners. */
	readonly stream: NodeJS.WriteStream;
	readonly #out: NodeJS.WriteStream;
	readonly #listeners = new Set<OutputListener>();
	#active = false;

	constructor(out: NodeJS.WriteStream) {
		this.#out = out;
		const listeners = this.#listeners;
		const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
			if (listeners.size > 0) {
				const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
				for (const listener of listeners) listener(text);
			}
			return (out.write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
		};
		// Everything but `write` is the real stream's: size, isTTY, 'resize' events.
		this.stream = new Proxy(out, {
			get(target, property) {
				if (property === 'write') return write;
				const value = Reflect.get(target, property, target) as unknown;
				return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
			},
		});
	}

	get active(): boolean {
		return this.#active;
	}

	/** Switch to the alternate screen and hide the cursor. */
	enter(): void {
		if (this.#active) return;
		this.#active = true;
		this.#out.write(ENTER);
	}

	/** Show the cursor and switch back to the normal screen. Safe to call more than once, and from an 'exit' handler. */
	restore(): void {
		if (!this.#active) return;
		this.#active = false;
		this.#out.write(LEAVE);
	}

	/** Hear every write Ink makes (for a recording). Returns the unsubscribe. */
	onOutput(listener: OutputListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}
