/** pacer's exit statuses, one table (README "Exit codes"). */
export const EXIT = {
	/** Every prompt succeeded. */
	ok: 0,
	/** Some prompts failed, were cancelled or skipped. */
	someFailed: 1,
	/** A usage or input error: nothing was sent. */
	usage: 2,
	/** A bug in pacer (an uncaught error, or a run that could never end). */
	unexpected: 70,
	/** Results are outside `--out` (a full disk): they were saved to a fallback file, named on stderr. */
	fallback: 75,
	/** SIGHUP. */
	hangup: 129,
	/** SIGINT (Ctrl+C): results flushed. */
	interrupted: 130,
	/** SIGTERM: results flushed. */
	terminated: 143,
} as const;

/** The status a signal ends the run with. */
export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = {
	SIGINT: EXIT.interrupted,
	SIGTERM: EXIT.terminated,
	SIGHUP: EXIT.hangup,
};
