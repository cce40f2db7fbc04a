/** Options of {@link backoffDelayMs}. */
export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. @default 250 */
  baseMs?: number;
  /** Upper bound of any delay, before jitter. @default 5_000 */
  maxMs?: number;
  /**
   * How the step `min(maxMs, baseMs × 2^(attempt − 1))` is spread: `"equal"`, half of it for sure and the other
   * half at random; `{ spread: s }`, the step times a random factor in [1 − s, 1 + s]; `"none"`, the step itself.
   * @default "equal"
   */
  jitter?: "equal" | "none" | { spread: number };
}

/**
 * Exponential backoff, the one of the whole code: the delay after failed attempt `attempt` (1-based) is the
 * step `min(maxMs, baseMs × 2^(attempt − 1))` with jitter (by default "equal jitter"), in whole milliseconds,
 * so retries of many records spread out but never come back at once.
 *
 * @example
 * backoffDelayMs(3, { baseMs: 250, maxMs: 5_000 }, () => 0.5); // 750 (1000/2 + 0.5 × 1000/2)
 * backoffDelayMs(2, { baseMs: 10_000, maxMs: 300_000, jitter: { spread: 0.2 } }, () => 0.5); // 20_000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 5_000;
  const jitter = options.jitter ?? "equal";
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  if (jitter === "none") return Math.round(step);
  if (jitter === "equal") return Math.round(step / 2 + random() * (step / 2));
  return Math.round(step * (1 - jitter.spread + 2 * jitter.spread * random()));
}
