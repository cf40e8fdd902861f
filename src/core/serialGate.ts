/** Runs tasks one at a time, first come first served: the waiters for a limiter's next slot queue here instead of all polling for it. */
export class SerialGate {
	#tail: Promise<void> = Promise.resolve();

	/** Runs `task` once every task passed before it has settled; resolves or rejects as it does. */
	run<T>(task: () => Promise<T>): Promise<T> {
		const turn = this.#tail.then(task);
		this.#tail = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}
}
