/** Jobs the engine pulls one at a time instead of holding them all: a prompts file read as it goes, or an array. */
import type {JobSpec} from './types.js';

/** Jobs read as the run needs them; `total` is known before the first. */
export interface JobStream {
	readonly total: number;
	/** The next job, or undefined after the last. */
	next(): JobSpec | undefined;
}

/** Jobs that can be read from the start again (a file re-read, an array walked again). */
export interface JobInput {
	readonly total: number;
	/** A new pass from the first job. */
	specs(): Iterator<JobSpec>;
}

export function arrayInput(specs: readonly JobSpec[]): JobInput {
	return {total: specs.length, specs: () => specs[Symbol.iterator]()};
}

/**
 * A pass over `input` as a stream, each job through `map` (null drops it); `total` is
 * `input.total` less `dropped`, which the caller counted beforehand.
 */
export function streamOf(input: JobInput, map: ((spec: JobSpec) => JobSpec | null) | null = null, dropped = 0): JobStream {
	const specs = input.specs();
	return {
		total: input.total - dropped,
		next() {
			for (;;) {
				const step = specs.next();
				if (step.done) return undefined;
				const spec = map ? map(step.value) : step.value;
				if (spec) return spec;
			}
		},
	};
}

/** The ids of a pass over `input`, in order. */
export function* idsOf(input: JobInput): Generator<string> {
	const specs = input.specs();
	for (let step = specs.next(); !step.done; step = specs.next()) yield step.value.id;
}
