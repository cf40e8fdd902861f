export const PROGRESS_EVERY_MS: number;
export function progressLine(options: {label: string; done: number; total?: number; elapsedMs: number; unit?: string}): string;
export function startProgress(options: {
	label: string;
	read: () => {done: number; total?: number};
	log: (message: string) => void;
	everyMs?: number;
	unit?: string;
}): () => void;
export function answered(simulator: {stats(): {completed: number; incomplete: number}}): number;
export function startHeartbeat(options: {label: string; log: (message: string) => void; expectMs: number; everyMs?: number}): () => void;
