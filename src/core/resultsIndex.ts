/**
 * Where each id's latest record is in a results file, in typed arrays (about 17 bytes a
 * record, not the ~150 of a Map of strings to objects): what resume and the final
 * compaction need of a file of a million records. Keyed by a 32-bit hash of the id; two
 * ids with one hash are told apart by reading the id back from the file, so every answer
 * is exact.
 */
import * as fs from 'node:fs';
import {hashId} from './idHashes.js';
import type {ResultRecord} from './types.js';

const STATUSES: readonly ResultRecord['status'][] = ['succeeded', 'failed', 'cancelled', 'skipped'];
const USED = 1;
const CONDENSED = 2;
const MARKED = 4;

export class ResultsIndex {
	readonly #fd: number;
	#hashes = new Uint32Array(1024);
	#offsets = new Float64Array(1024);
	#lengths = new Uint32Array(1024);
	#flags = new Uint8Array(1024);
	#status = new Uint8Array(1024);
	#size = 0;

	/** `fd`: the file the offsets are in, open for reading (the index reads ids back from it). */
	constructor(fd: number) {
		this.#fd = fd;
	}

	/** Ids in the file. */
	get size(): number {
		return this.#size;
	}

	/** A record of `id` at `offset`: it replaces an earlier one of the same id. */
	put(id: string, status: ResultRecord['status'], offset: number, length: number, condensed: boolean): void {
		const hash = hashId(id);
		let at = this.#slot(id, hash);
		if (!(this.#flags[at]! & USED)) {
			if ((this.#size + 1) * 4 > this.#flags.length * 3) {
				this.#grow();
				at = this.#slot(id, hash);
			}
			this.#size++;
			this.#hashes[at] = hash;
		}
		this.#offsets[at] = offset;
		this.#lengths[at] = length;
		this.#status[at] = Math.max(0, STATUSES.indexOf(status));
		this.#flags[at] = USED | (condensed ? CONDENSED : 0);
	}

	/** The slot of `id`'s latest record, or -1. */
	find(id: string): number {
		const at = this.#slot(id, hashId(id));
		return this.#flags[at]! & USED ? at : -1;
	}

	status(slot: number): ResultRecord['status'] {
		return STATUSES[this.#status[slot]!]!;
	}

	/** Byte offset and length of the record's line (without its newline). */
	place(slot: number): {offset: number; length: number} {
		return {offset: this.#offsets[slot]!, length: this.#lengths[slot]!};
	}

	/** Marks a slot (the compaction copied it); `marked` says which were. */
	mark(slot: number): void {
		this.#flags[slot]! |= MARKED;
	}

	/** Slots in file order, those `keep` says yes to. */
	slots(keep: (slot: number, condensed: boolean, marked: boolean) => boolean): number[] {
		const found: number[] = [];
		for (let at = 0; at < this.#flags.length; at++) {
			const flags = this.#flags[at]!;
			if (flags & USED && keep(at, (flags & CONDENSED) !== 0, (flags & MARKED) !== 0)) found.push(at);
		}
		return found.sort((a, b) => this.#offsets[a]! - this.#offsets[b]!);
	}

	/** The record in a slot, parsed. */
	record(slot: number): ResultRecord {
		return JSON.parse(this.#read(slot, this.#lengths[slot]!).toString('utf8')) as ResultRecord;
	}

	#slot(id: string, hash: number): number {
		const mask = this.#flags.length - 1;
		let at = hash & mask;
		while (this.#flags[at]! & USED && (this.#hashes[at] !== hash || !this.#holds(at, id))) at = (at + 1) & mask;
		return at;
	}

	/** The record in `slot` is of `id`: its start is compared (records begin with their id), else it is parsed. */
	#holds(slot: number, id: string): boolean {
		const start = Buffer.from(`{"id":${JSON.stringify(id)},`, 'utf8');
		if (start.length <= this.#lengths[slot]! && this.#read(slot, start.length).equals(start)) return true;
		return this.record(slot).id === id;
	}

	#read(slot: number, length: number): Buffer {
		const bytes = Buffer.alloc(length);
		const offset = this.#offsets[slot]!;
		for (let done = 0; done < length; ) {
			const n = fs.readSync(this.#fd, bytes, done, length - done, offset + done);
			if (n <= 0) throw Object.assign(new Error(`the file ended early (offset ${offset + done})`), {code: 'EIO'});
			done += n;
		}
		return bytes;
	}

	#grow(): void {
		const [hashes, offsets, lengths, flags, status] = [this.#hashes, this.#offsets, this.#lengths, this.#flags, this.#status];
		const size = flags.length * 2;
		this.#hashes = new Uint32Array(size);
		this.#offsets = new Float64Array(size);
		this.#lengths = new Uint32Array(size);
		this.#flags = new Uint8Array(size);
		this.#status = new Uint8Array(size);
		const mask = size - 1;
		for (let from = 0; from < flags.length; from++) {
			if (!(flags[from]! & USED)) continue;
			// Ids are distinct already: the first free slot from the hash is the place.
			let at = hashes[from]! & mask;
			while (this.#flags[at]! & USED) at = (at + 1) & mask;
			this.#hashes[at] = hashes[from]!;
			this.#offsets[at] = offsets[from]!;
			this.#lengths[at] = lengths[from]!;
			this.#flags[at] = flags[from]!;
			this.#status[at] = status[from]!;
		}
	}
}
