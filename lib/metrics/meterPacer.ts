import type { RateLimit } from "../auth0/RateLimit.js";
import { METRIC } from "./names.js";
import type { Metrics } from "./types.js";

/** What {@link meterPacer} wraps: the pacer calls apply makes. */
export interface MeteredPacer {
  acquire(deadlineMs?: number): Promise<boolean>;
  observe(rateLimit: RateLimit | undefined, sentAtMs?: number): void;
  throttled(resetAtMs?: number): void;
  readonly pausedUntilMs: number;
}

/**
 * Wraps a pacer so each `acquire` records how long it waited (`PacerWait`), granted or not. Every other call
 * goes to the pacer unchanged.
 *
 * @example
 * const pacer = meterPacer(new Pacer(options), metrics);
 */
export function meterPacer(
  pacer: MeteredPacer,
  metrics: Metrics,
  clock: () => number = Date.now,
): MeteredPacer {
  return {
    async acquire(deadlineMs) {
      const startedAt = clock();
      try {
        return await pacer.acquire(deadlineMs);
      } finally {
        metrics.observe(METRIC.pacerWait, clock() - startedAt, "Milliseconds");
      }
    },
    observe: (rateLimit, sentAtMs) => pacer.observe(rateLimit, sentAtMs),
    throttled: (resetAtMs) => pacer.throttled(resetAtMs),
    get pausedUntilMs() {
      return pacer.pausedUntilMs;
    },
  };
}
