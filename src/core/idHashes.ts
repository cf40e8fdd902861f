/**
 * Ids seen, kept as 32-bit hashes in typed arrays (about 8 bytes an id, not the ~100 of a
 * Map of strings): a million ids in a few MB. A hash is not the id: a hit says "maybe
 * seen", and the caller checks the ids themselves (by reading them again) before it says so.
 */

/** FNV-1a over the UTF-16 units of `id`. */
export function hashId(id: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) {
		h ^= id.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/** Hash -> the first value (a line, a position; never 0) stored under it, open addressing. */
export class IdHashes {
	#hashes = new Uint32Array(1024);
	#values = new Uint32Array(1024);
	#size = 0;

	get size(): number {
		return this.#size;
	}

	/** The value first stored under `hash`, or 0 when none: then `value` (> 0) is stored. */
	firstOrAdd(hash: number, value: number): number {
		const at = this.#find(hash);
		const found = this.#values[at]!;
		if (found !== 0) return found;
		this.#hashes[at] = hash;
		this.#values[at] = value;
		if (++this.#size * 2 > this.#values.length) this.#grow();
		return 0;
	}

	/** The value stored under `hash`, or 0. */
	get(hash: number): number {
		return this.#values[this.#find(hash)]!;
	}

	#find(hash: number): number {
		const mask = this.#values.length - 1;
		let at = hash & mask;
		while (this.#values[at] !== 0 && this.#hashes[at] !== hash) at = (at + 1) & mask;
		return at;
	}

	#grow(): void {
		const hashes = this.#hashes;
		const values = this.#values;
		this.#hashes = new Uint32Array(hashes.length * 2);
		this.#values = new Uint32Array(values.length * 2);
		for (let i = 0; i < values.length; i++) {
			if (values[i] === 0) continue;
			const at = this.#find(hashes[i]!);
			this.#hashes[at] = hashes[i]!;
			this.#values[at] = values[i]!;
		}
	}
}
