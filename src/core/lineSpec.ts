/** One line of a prompts file -> its spec, a problem, or nothing (a blank line): what both readers of a file share. */
import {isBlank, MAX_LINE_BYTES} from './inputLines.js';
import type {InputKind} from './inputKind.js';
import {JobProblem} from './jobFields.js';
import {parseJsonLine} from './jobObject.js';
import type {JobSpec} from './types.js';

export type LineOutcome = {readonly spec: JobSpec} | {readonly problem: string} | null;

/** `content` undefined: not UTF-8, or not decoded at all (over MAX_LINE_BYTES). */
export function lineSpec(kind: InputKind, line: number, content: string | undefined, bytes: number): LineOutcome {
	if (bytes > MAX_LINE_BYTES) return {problem: `line is ${bytes} bytes, over the ${MAX_LINE_BYTES / 1024 / 1024} MiB limit`};
	if (content === undefined) return {problem: 'not valid UTF-8'};
	if (isBlank(content)) return null;
	try {
		return {spec: kind === 'txt' ? {id: `line-${line}`, line, input: content, text: content} : parseJsonLine(content, line)};
	} catch (error) {
		if (error instanceof JobProblem) return {problem: error.message};
		throw error;
	}
}
