/** What the headless output and logs hear about a run. */
import type {ErrorInfo, ResultRecord} from './types.js';

export type EngineEvent =
	| {type: 'retry'; id: string; attempt: number; error: ErrorInfo; waitMs: number; at: number}
	| {type: 'finished'; record: ResultRecord; at: number}
	| {type: 'stopping'; reason: string; kind: ErrorInfo['kind']; at: number}
	| {type: 'unexpected'; id: string; error: ErrorInfo; at: number}
	/** The run's API changed (the `--api auto` switch to chat): said once. */
	| {type: 'api'; note: string; at: number};
