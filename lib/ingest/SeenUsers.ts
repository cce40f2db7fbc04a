/** Options of {@link SeenUsers}. */
export interface SeenUsersOptions {
  /** Slots to start with (rounded up to a power of two); the table doubles when half full. @default 65536 */
  initialCapacity?: number;
}

const DEFAULT_INITIAL_CAPACITY = 1 << 16;

/**
 * The set of user ids seen so far in a file, remembering the line where each first appeared: the only state
 * of reading that grows with the file, so it stores a 64-bit fingerprint and a line number (12 bytes a slot,
 * open addressing in typed arrays, at most half full: ~24 MB for a million users), never the id strings.
 *
 * Two different ids share a fingerprint with probability about n²/2⁶⁵ (3·10⁻⁸ for a million users); the
 * later one would then be reported as a repeat of the earlier line.
 *
 * @example
 * const seen = new SeenUsers();
 * seen.addOrGetLine("auth0|1", 2); // undefined: first time
 * seen.addOrGetLine("auth0|1", 9); // 2
 */
export class SeenUsers {
  private high: Uint32Array;
  private low: Uint32Array;
  private lines: Uint32Array;
  private mask: number;
  private count = 0;

  public constructor(options: SeenUsersOptions = {}) {
    const initial = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
    let capacity = 16;
    while (capacity < initial) capacity *= 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Users recorded. */
  public get size(): number {
    return this.count;
  }

  /** Records `userId` first seen at `line`, or returns the line where it was first seen (and records nothing). */
  public addOrGetLine(userId: string, line: number): number | undefined {
    // Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a multiplicative one), finalised
    // with murmur3's mixer; (0, 0) marks an empty slot, so it is never a fingerprint.
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ userId.length;
    for (let i = 0; i < userId.length; i++) {
      const c = userId.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    const high = fmix(a) >>> 0;
    const low = (fmix(b) | (high === 0 ? 1 : 0)) >>> 0;
    let slot = (high ^ Math.imul(low, 0x9e3779b1)) & this.mask;
    while (this.high[slot] !== 0 || this.low[slot] !== 0) {
      if (this.high[slot] === high && this.low[slot] === low) return this.lines[slot];
      slot = (slot + 1) & this.mask;
    }
    this.high[slot] = high;
    this.low[slot] = low;
    this.lines[slot] = line;
    this.count++;
    if (this.count * 2 > this.mask) this.grow();
    return undefined;
  }

  private grow(): void {
    const { high, low, lines } = this;
    const capacity = (this.mask + 1) * 2;
    this.high = new Uint32Array(capacity);
    this.low = new Uint32Array(capacity);
    this.lines = new Uint32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < high.length; i++) {
      const h = high[i] as number;
      const l = low[i] as number;
      if (h === 0 && l === 0) continue;
      let slot = (h ^ Math.imul(l, 0x9e3779b1)) & this.mask;
      while (this.high[slot] !== 0 || this.low[slot] !== 0) slot = (slot + 1) & this.mask;
      this.high[slot] = h;
      this.low[slot] = l;
      this.lines[slot] = lines[i] as number;
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
