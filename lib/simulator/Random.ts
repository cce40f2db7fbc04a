/** A small deterministic pseudo-random source, so that a seeded simulator injects the same faults every run. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A float uniformly in [min, max]. */
  between(min: number, max: number): number;
  /** `length` characters from `alphabet`. */
  chars(length: number, alphabet: string): string;
}

/**
 * A mulberry32 generator: 32 bits of state, good enough to spread faults and ids, not for cryptography.
 *
 * @example
 * const random = createRandom(42);
 * if (random.next() < errorRate) respondWith503();
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    chars: (length, alphabet) => {
      let out = "";
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
  };
}
