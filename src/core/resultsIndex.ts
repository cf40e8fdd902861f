/**
 * Where each id's latest record is in a results file, in typed arrays (about 25 bytes a
 * record at a million, not the ~150 of a Map of strings to objects): what resume and the
 * final compaction need of a file of a million records. Ids are keyed by a 32-bit hash
 * of the id in an open-addressing table of positions into dense columns; two ids with
 * one hash are told apart by reading the id back from the file, so every answer is exact.
 */
import * as fs from 'node:fs';
import {hashId} from './idHashes.js';
import type {ResultRecord} from './types.js';

const STATUSES: readonly ResultRecord['status'][] = ['succeeded', 'failed', 'cancelled', 'skipped'];
const CONDENSED = 8;
const MARKED = 16;
const STATUS_BITS = 7;

export class ResultsIndex {
	readonly #fd: number;
	/** Table: 1 + an id's position in the columns, 0 for a free slot. */
	#table = new Uint32Array(1024);
	// Columns, one entry an id, in the order ids first appear.
	#hashes = new Uint32Array(512);
	#offsets = new Float64Array(512);
	#lengths = new Uint32Array(512);
	#flags = new Uint8Array(512);
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
		let entry = this.#table[at]! - 1;
		if (entry === -1) {
			if (this.#size === this.#hashes.length) this.#growColumns();
			if ((this.#size + 1) * 4 > this.#table.length * 3) {
				this.#growTable();
				at = this.#slot(id, hash);
			}
			entry = this.#size++;
			this.#table[at] = entry + 1;
			this.#hashes[entry] = hash;
		}
		this.#offsets[entry] = offset;
		this.#lengths[entry] = length;
		this.#flags[entry] = Math.max(0, STATUSES.indexOf(status)) | (condensed ? CONDENSED : 0);
	}

	/** The entry of `id`'s latest record, or -1. */
	find(id: string): number {
		return this.#table[this.#slot(id, hashId(id))]! - 1;
	}

	status(entry: number): ResultRecord['status'] {
		return STATUSES[this.#flags[entry]! & STATUS_BITS]!;
	}

	/** Byte offset and length of the record's line (without its newline). */
	place(entry: number): {offset: number; length: number} {
		return {offset: this.#offsets[entry]!, length: this.#lengths[entry]!};
	}

	/** Marks an entry (the compaction copied it). */
	mark(entry: number): void {
		this.#flags[entry]! |= MARKED;
	}

	/** Entries in file order, those `keep` says yes to. */
	slots(keep: (entry: number, condensed: boolean, marked: boolean) => boolean): number[] {
		const found: number[] = [];
		for (let entry = 0; entry < this.#size; entry++) {
			const flags = this.#flags[entry]!;
			if (keep(entry, (flags & CONDENSED) !== 0, (flags & MARKED) !== 0)) found.push(entry);
		}
		return found.sort((a, b) => this.#offsets[a]! - this.#offsets[b]!);
	}

	/** The record of an entry, parsed. */
	record(entry: number): ResultRecord {
		return JSON.parse(this.#read(entry, this.#lengths[entry]!).toString('utf8')) as ResultRecord;
	}

	#slot(id: string, hash: number): number {
		const mask = this.#table.length - 1;
		let at = hash & mask;
		for (;;) {
			const entry = this.#table[at]! - 1;
			if (entry === -1 || (this.#hashes[entry] === hash && this.#holds(entry, id))) return at;
			at = (at + 1) & mask;
		}
	}

	/** The record of `entry` is of `id`: its start is compared (records begin with their id), else it is parsed. */
	#holds(entry: number, id: string): boolean {
		const start = Buffer.from(`{"id":${JSON.stringify(id)},`, 'utf8');
		if (start.length <= this.#lengths[entry]! && this.#read(entry, start.length).equals(start)) return true;
		return this.record(entry).id === id;
	}

	#read(entry: number, length: number): Buffer {
		const bytes = Buffer.alloc(length);
		const offset = this.#offsets[entry]!;
		for (let done = 0; done < length; ) {
			const n = fs.readSync(this.#fd, bytes, done, length - done, offset + done);
			if (n <= 0) throw Object.assign(new Error(`the file ended early (offset ${offset + done})`), {code: 'EIO'});
			done += n;
		}
		return bytes;
	}

	#growColumns(): void {
		const size = this.#hashes.length * 2;
		const grown = <T extends Uint32Array | Float64Array | Uint8Array>(from: T, make: new (n: number) => T): T => {
			const to = new make(size);
			to.set(from);
			return to;
		};
		this.#hashes = grown(this.#hashes, Uint32Array);
		this.#offsets = grown(this.#offsets, Float64Array);
		this.#lengths = grown(this.#lengths, Uint32Array);
		this.#flags = grown(this.#flags, Uint8Array);
	}

	#growTable(): void {
		this.#table = new Uint32Array(this.#table.length * 2);
		const mask = this.#table.length - 1;
		// Ids are distinct already: the first free slot from the hash is the place.
		for (let entry = 0; entry < this.#size; entry++) {
			let at = this.#hashes[entry]! & mask;
			while (this.#table[at] !== 0) at = (at + 1) & mask;
			this.#table[at] = entry + 1;
		}
	}
}
