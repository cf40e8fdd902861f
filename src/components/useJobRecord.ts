import {useEffect, useState} from 'react';
import type {JobStatus, ResultRecord} from '../core/types.js';
import {findRecord} from '../store/recordLookup.js';

export type RecordLoad =
	| {readonly state: 'idle'}
	| {readonly state: 'loading'}
	| {readonly state: 'loaded'; readonly record: ResultRecord}
	| {readonly state: 'missing'}
	| {readonly state: 'failed'; readonly message: string};

/** Looks again this often while the job's ending is not in the file yet (a full disk holds records back). */
const RETRY_MS = 1000;
const TRIES = 5;

const ENDED = new Set<JobStatus>(['succeeded', 'failed', 'cancelled', 'skipped']);

/**
 * An ended job's record from the results file, read when the detail pane opens on it:
 * its whole reply and request id, which the store does not keep. Idle for a job
 * under way (its text is in the store) or a run with no results file.
 */
export function useJobRecord(outPath: string | null, job: {id: string; status: JobStatus; attempts: number} | undefined): RecordLoad {
	const [load, setLoad] = useState<RecordLoad>({state: 'idle'});
	const id = job?.id;
	const status = job?.status;
	const attempts = job?.attempts;
	const ended = status != null && ENDED.has(status);
	useEffect(() => {
		if (!outPath || id == null || !ended) {
			setLoad({state: 'idle'});
			return;
		}
		const controller = new AbortController();
		let timer: NodeJS.Timeout | null = null;
		setLoad({state: 'loading'});
		const attempt = (tries: number) => {
			findRecord(outPath, id, controller.signal).then(
				record => {
					if (controller.signal.aborted) return;
					// The latest record may still be an earlier ending (a retried job) until this one is written.
					const current = record != null && record.status === status && record.attempts === attempts;
					if (current || (record && tries >= TRIES)) setLoad({state: 'loaded', record});
					else if (tries >= TRIES) setLoad({state: 'missing'});
					else timer = setTimeout(() => attempt(tries + 1), RETRY_MS);
				},
				error => {
					if (!controller.signal.aborted) setLoad({state: 'failed', message: (error as NodeJS.ErrnoException).code ?? String(error)});
				},
			);
		};
		attempt(1);
		return () => {
			controller.abort();
			if (timer) clearTimeout(timer);
		};
	}, [outPath, id, ended, status, attempts]);
	return load;
}
