/**
 * What to tell a person when a run stops by itself: core gives the reason in plain words
 * and its kind; the CLI and the dashboard add what to do about it, in the CLI's words.
 */
import type {ErrorKind} from './core/types.js';

const ADVICE: Partial<Record<ErrorKind, string>> = {
	quota: 'add credit or raise the spend limit, then run again with --resume',
	auth: 'fix OPENAI_API_KEY (or --api-key-file), then run again with --resume',
	not_found: 'check --model and --base-url, then run again with --resume',
	connection: 'check the network and --base-url, then run again with --resume',
};

/** "quota exhausted (insufficient_quota): add credit or raise the spend limit, then run again with --resume" */
export function explainStop(reason: string, kind: ErrorKind | null): string {
	const advice = kind ? ADVICE[kind] : undefined;
	return advice ? `${reason}: ${advice}` : reason;
}
