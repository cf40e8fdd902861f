/** What the headless output and logs hear about a run. */
import type {ErrorInfo, ResultRecord, Usage} from './types.js';

export type EngineEvent =
	| {type: 'retry'; id: string; attempt: number; error: ErrorInfo; waitMs: number; at: number}
	| {type: 'finished'; record: ResultRecord; at: number}
	/** One condensing call of a prompt answered (`--on-long summarize`): call `call` of about `of`. */
	| {type: 'condensed'; id: string; call: number; of: number; usage: Usage | null; latencyMs: number; at: number}
	| {type: 'stopping'; reason: string; kind: ErrorInfo['kind']; at: number}
	| {type: 'unexpected'; id: string; error: ErrorInfo; at: number}
	/** The run's API changed (the `--api auto` switch to chat): said once. */
	| {type: 'api'; note: string; at: number};
