/** The error a prompts file (or a library caller's job list) that cannot be used throws. */

/** How many problems one InputError lists; the rest are only counted. */
export const MAX_LISTED_ERRORS = 20;

/** Where a problem is beyond its file and line: an item of a job array given to the library. */
export interface InputErrorDetail {
	/** Every problem found, this one first, at most MAX_LISTED_ERRORS of them. @default [this] */
	readonly errors?: readonly InputError[];
	/** How many problems there are in all. @default 1 */
	readonly errorCount?: number;
	/** 0-based index in a job array: the message reads `jobs[3]: ...` instead of `file:line: ...`. */
	readonly item?: number;
}

/** A prompts file that cannot be used, with the first problem as its message. */
export class InputError extends Error {
	override name = 'InputError';
	/** The file as the user named it (or `<stdin>`, or `jobs` for a job array). */
	readonly file: string;
	/** 1-based line, or null for a problem with the whole file (and for array items). */
	readonly line: number | null;
	/** 0-based index of the array item at fault, or null for a file. */
	readonly item: number | null;
	/** What is wrong, without the `file:line: ` prefix. */
	readonly reason: string;
	/** Every problem found, this one first, at most MAX_LISTED_ERRORS of them. */
	readonly errors: readonly InputError[];
	/** How many problems the input has in all. */
	readonly errorCount: number;

	constructor(file: string, line: number | null, reason: string, detail: InputErrorDetail = {}) {
		const item = detail.item ?? null;
		super(`${item !== null ? `${file}[${item}]` : line === null ? file : `${file}:${line}`}: ${reason}`);
		this.file = file;
		this.line = line;
		this.item = item;
		this.reason = reason;
		this.errors = detail.errors ?? [this];
		this.errorCount = detail.errorCount ?? 1;
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

/**
 * Gathers the problems of one input, so a user sees many at once instead of fixing
 * them one run at a time, and throws them as one InputError (the first as its message).
 */
export class InputProblems {
	readonly #errors: InputError[] = [];
	#count = 0;

	add(error: InputError): void {
		this.#count++;
		if (this.#errors.length < MAX_LISTED_ERRORS) {
			this.#errors.push(error);
		}
	}

	/** Throws when any problem was added. */
	throwIfAny(): void {
		const [first] = this.#errors;
		if (first) {
			throw new InputError(first.file, first.line, first.reason, {errors: this.#errors, errorCount: this.#count, item: first.item ?? undefined});
		}
	}
}
