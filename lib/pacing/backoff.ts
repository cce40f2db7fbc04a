/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. @default 250 */
  baseMs?: number;
  /** Upper bound of any delay. @default 5_000 */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": the delay after failed attempt `attempt` (1-based) is half of
 * `min(maxMs, baseMs × 2^(attempt − 1))` plus a random part of the other half, so retries of many records
 * spread out but never come back at once.
 *
 * @example
 * backoffDelayMs(3, { baseMs: 250, maxMs: 5_000 }, () => 0.5); // 750 (1000/2 + 0.5 × 1000/2)
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 5_000;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
