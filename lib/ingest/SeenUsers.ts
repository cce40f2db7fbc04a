/** Options of {@link SeenUsers}. */
export interface SeenUsersOptions {
  /** Slots to start with (rounded up to a power of two); the table doubles when half full. @default 65536 */
  initialCapacity?: number;
}

/** Bytes of one user in {@link SeenUsers.records}. */
export const SEEN_RECORD_BYTES = 13;

const DEFAULT_INITIAL_CAPACITY = 1 << 16;

/**
 * The set of user ids seen in a file, each with a 32-bit value and an 8-bit state of the caller's (pass 1 of
 * ingest keeps there the line where the user starts and what it found about it): the only state of reading
 * that grows with the file, so it stores a 64-bit fingerprint, never the id strings (13 bytes a slot, open
 * addressing in typed arrays, at most half full: ~27 MB for a million users).
 *
 * Two different ids share a fingerprint with probability about n²/2⁶⁵ (3·10⁻⁸ for a million users); they
 * would then be taken for one user in two places.
 *
 * @example
 * const seen = new SeenUsers();
 * seen.find("auth0|1"); // -1: not seen
 * seen.add("auth0|1", 2, 1);
 * const slot = seen.find("auth0|1");
 * seen.valueAt(slot); // 2
 * seen.stateAt(slot); // 1
 */
export class SeenUsers {
  private high: Uint32Array;
  private low: Uint32Array;
  private values: Uint32Array;
  private states: Uint8Array;
  private mask: number;
  private count = 0;
  /** The fingerprint of the id last looked up, so that `add` after `find` hashes it once. */
  private lastId: string | undefined;
  private lastHigh = 0;
  private lastLow = 0;

  public constructor(options: SeenUsersOptions = {}) {
    const initial = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
    let capacity = 16;
    while (capacity < initial) capacity *= 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
    this.states = new Uint8Array(capacity);
    this.mask = capacity - 1;
  }

  /** Users recorded. */
  public get size(): number {
    return this.count;
  }

  /** The slot holding `userId`, or -1 when it was never added. A slot is valid until the next `add`. */
  public find(userId: string): number {
    this.fingerprint(userId);
    const high = this.lastHigh;
    const low = this.lastLow;
    let slot = (high ^ Math.imul(low, 0x9e3779b1)) & this.mask;
    while (this.high[slot] !== 0 || this.low[slot] !== 0) {
      if (this.high[slot] === high && this.low[slot] === low) return slot;
      slot = (slot + 1) & this.mask;
    }
    return -1;
  }

  /** Records `userId`, which must not be there yet (see {@link SeenUsers.find}), with a value and a state. */
  public add(userId: string, value: number, state: number): void {
    this.fingerprint(userId);
    const high = this.lastHigh;
    const low = this.lastLow;
    let slot = (high ^ Math.imul(low, 0x9e3779b1)) & this.mask;
    while (this.high[slot] !== 0 || this.low[slot] !== 0) {
      if (this.high[slot] === high && this.low[slot] === low) {
        throw new Error("SeenUsers.add: the user is already recorded");
      }
      slot = (slot + 1) & this.mask;
    }
    this.high[slot] = high;
    this.low[slot] = low;
    this.values[slot] = value;
    this.states[slot] = state;
    this.count++;
    if (this.count * 2 > this.mask) this.grow();
  }

  /** The value recorded in `slot`. */
  /**
   * Every recorded user as 13-byte records (64-bit fingerprint, value, state), in slot order, a chunk at a
   * time: what a checkpoint stores (see {@link SeenUsers.restore}).
   */
  public *records(chunkRecords = 65_536): Generator<Buffer> {
    let chunk = Buffer.allocUnsafe(chunkRecords * SEEN_RECORD_BYTES);
    let at = 0;
    for (let i = 0; i < this.high.length; i++) {
      const h = this.high[i] as number;
      const l = this.low[i] as number;
      if (h === 0 && l === 0) continue;
      chunk.writeUInt32LE(h, at);
      chunk.writeUInt32LE(l, at + 4);
      chunk.writeUInt32LE(this.values[i] as number, at + 8);
      chunk.writeUInt8(this.states[i] as number, at + 12);
      at += SEEN_RECORD_BYTES;
      if (at === chunk.length) {
        yield chunk;
        chunk = Buffer.allocUnsafe(chunkRecords * SEEN_RECORD_BYTES);
        at = 0;
      }
    }
    if (at > 0) yield chunk.subarray(0, at);
  }

  /** Adds records written by {@link SeenUsers.records} (a whole number of them). */
  public restore(records: Buffer): void {
    for (let at = 0; at + SEEN_RECORD_BYTES <= records.length; at += SEEN_RECORD_BYTES) {
      const high = records.readUInt32LE(at);
      const low = records.readUInt32LE(at + 4);
      let slot = (high ^ Math.imul(low, 0x9e3779b1)) & this.mask;
      while (this.high[slot] !== 0 || this.low[slot] !== 0) slot = (slot + 1) & this.mask;
      this.high[slot] = high;
      this.low[slot] = low;
      this.values[slot] = records.readUInt32LE(at + 8);
      this.states[slot] = records.readUInt8(at + 12);
      this.count++;
      if (this.count * 2 > this.mask) this.grow();
    }
  }

  public valueAt(slot: number): number {
    return this.values[slot] as number;
  }

  /** The state recorded in `slot`. */
  public stateAt(slot: number): number {
    return this.states[slot] as number;
  }

  /** Replaces the value and state of `slot`. */
  public setAt(slot: number, value: number, state: number): void {
    this.values[slot] = value;
    this.states[slot] = state;
  }

  /**
   * Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a multiplicative one), finalised with
   * murmur3's mixer; (0, 0) marks an empty slot, so it is never a fingerprint.
   */
  private fingerprint(userId: string): void {
    if (userId === this.lastId) return;
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ userId.length;
    for (let i = 0; i < userId.length; i++) {
      const c = userId.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    const high = fmix(a) >>> 0;
    this.lastHigh = high;
    this.lastLow = (fmix(b) | (high === 0 ? 1 : 0)) >>> 0;
    this.lastId = userId;
  }

  private grow(): void {
    const { high, low, values, states } = this;
    const capacity = (this.mask + 1) * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
    this.states = new Uint8Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < high.length; i++) {
      const h = high[i] as number;
      const l = low[i] as number;
      if (h === 0 && l === 0) continue;
      let slot = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
      while (this.high[slot] !== 0 || this.low[slot] !== 0) slot = (slot + 1) & this.mask;
      this.high[slot] = h;
      this.low[slot] = l;
      this.values[slot] = values[i] as number;
      this.states[slot] = states[i] as number;
    }
  }
}

function fmix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
