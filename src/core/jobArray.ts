/**
 * A job array given to the library (`runBatch(jobs)`, `generate(prompt)`) -> JobSpec[],
 * read by the same parser as a .jsonl line, so an object is held to the same rules and
 * gets the same messages; only where it is differs (`jobs[3]: ...`, not `file:line: ...`).
 */
import {InputError, InputProblems} from './inputError.js';
import {isBlank} from './inputLines.js';
import {describeType, isObject, JobProblem} from './jobFields.js';
import {parseJobObject} from './jobObject.js';
import type {JobSpec} from './types.js';

/** pacer's own job shape: what a .jsonl line holds. */
export interface JobObject {
	/** Unique in a batch; an integer is the same id as its decimal string. @default `item-<n>`, n the 1-based index */
	readonly id?: string | number;
	/** The prompt. Give this or `input`, not both. */
	readonly prompt?: string;
	/** The Responses API `input`: a string or an array of input items (messages, images, files). */
	readonly input?: string | readonly object[];
	/** A passage the prompt is about, sent after a string prompt with a blank line between. */
	readonly context?: string;
	/** @default the run's `model` */
	readonly model?: string;
	/** @default the run's `instructions` */
	readonly instructions?: string;
	/** At least 16. @default the run's `maxOutputTokens` */
	readonly max_output_tokens?: number;
	/** Up to 16 string pairs, sent with the request. */
	readonly metadata?: Readonly<Record<string, string>>;
}

/** An OpenAI Batch API request line, as a .jsonl file may hold it. */
export interface BatchApiLine {
	/** @default `item-<n>`, n the 1-based index */
	readonly custom_id?: string | number;
	readonly method?: 'POST';
	readonly url?: '/v1/responses' | '/v1/chat/completions';
	/** The request body; every field but `stream` is sent as it is. */
	readonly body: Readonly<Record<string, unknown>>;
}

/** One job for the library: a prompt, a job object, or an already parsed JobSpec (what readJobs returns). */
export type BatchJob = string | JobObject | BatchApiLine | JobSpec;

/**
 * Checks every job and throws one InputError listing the problems (`jobs[i]: ...`, i the
 * 0-based index) before anything is sent. A job without an id gets `item-<n>` and the
 * record's `line` is n, both the 1-based index. JobSpecs pass as they are.
 */
export function jobSpecsFrom(jobs: readonly BatchJob[], name = 'jobs'): JobSpec[] {
	if (!Array.isArray(jobs)) {
		throw new InputError(name, null, `expected an array of prompts or job objects, got ${describeType(jobs)}`);
	}
	const specs: JobSpec[] = [];
	const problems = new InputProblems();
	const firstIndexOf = new Map<string, number>();
	// A for loop, not forEach: a hole in a sparse array is a missing job, not nothing.
	for (let index = 0; index < jobs.length; index++) {
		const fail = (reason: string) => problems.add(new InputError(name, null, reason, {item: index}));
		let spec: JobSpec;
		try {
			spec = specOf(jobs[index], index + 1);
		} catch (error) {
			if (error instanceof JobProblem) {
				fail(error.message);
				continue;
			}
			throw error;
		}
		const first = firstIndexOf.get(spec.id);
		if (first !== undefined) {
			fail(`duplicate id ${JSON.stringify(spec.id)} (first at ${name}[${first}])`);
			continue;
		}
		firstIndexOf.set(spec.id, index);
		specs.push(spec);
	}
	problems.throwIfAny();
	return specs;
}

/** One job on its own (`generate`): its problems read `name: ...`. */
export function jobSpecFrom(job: BatchJob, fallbackId: string, name: string): JobSpec {
	try {
		return specOf(job, 1, fallbackId);
	} catch (error) {
		throw error instanceof JobProblem ? new InputError(name, null, error.message) : error;
	}
}

function specOf(job: unknown, position: number, fallbackId = `item-${position}`): JobSpec {
	if (typeof job === 'string') {
		if (isBlank(job)) {
			throw new JobProblem('the prompt is empty');
		}
		return {id: fallbackId, line: position, input: job, text: job};
	}
	if (isJobSpec(job)) {
		return job;
	}
	if (!isObject(job)) {
		throw new JobProblem(`expected a prompt (a string) or a job object, got ${describeType(job)}`);
	}
	return parseJobObject(job, position, fallbackId);
}

/** What pacer's own readers return; internal callers hand these in already checked. */
function isJobSpec(job: unknown): job is JobSpec {
	if (!isObject(job)) {
		return false;
	}
	return typeof job.id === 'string' && typeof job.line === 'number' && typeof job.text === 'string' && (typeof job.input === 'string' || Array.isArray(job.input));
}
