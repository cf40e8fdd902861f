/** Keeping API keys out of everything pacer prints or writes. */

const KEY_PATTERN = /\b(sk-[A-Za-z0-9_*-]{3,})/g;

/** `sk-proj-abc...wxyz` -> `sk-…wxyz`. */
export function maskKey(key: string): string {
	const tail = key.length > 8 ? key.slice(-4) : '';
	return `sk-…${tail}`;
}

const known = new Set<string>();

/** Remember a key so that `redactSecrets` hides it even when it does not look like `sk-…`. */
export function registerSecret(secret: string): void {
	if (secret.length >= 8) known.add(secret);
}

/** Replace anything that looks like an API key (and every registered secret) by its mask. */
export function redactSecrets(text: string): string {
	let out = text;
	for (const secret of known) {
		if (out.includes(secret)) out = out.split(secret).join(maskKey(secret));
	}
	return out.replace(KEY_PATTERN, match => (match.includes('…') ? match : maskKey(match)));
}
