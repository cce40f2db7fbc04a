import { delegate } from "./delegate.js";
import { METRIC } from "./names.js";
import type { Metrics } from "./types.js";

/** What {@link meterPacer} wraps: the pacer's `acquire`. */
export interface MeteredPacer {
  acquire(deadlineMs?: number): Promise<boolean>;
}

/**
 * Wraps a pacer so each `acquire` records how long it waited (`PacerWait`), granted or not. Every other member
 * is the pacer's own.
 *
 * @example
 * const pacer = meterPacer(new Pacer(options), metrics);
 */
export function meterPacer<P extends MeteredPacer>(
  pacer: P,
  metrics: Metrics,
  clock: () => number = Date.now,
): P {
  const acquire: MeteredPacer["acquire"] = async (deadlineMs) => {
    const startedAt = clock();
    try {
      return await pacer.acquire(deadlineMs);
    } finally {
      metrics.observe(METRIC.pacerWait, clock() - startedAt, "Milliseconds");
    }
  };
  return delegate(pacer, { acquire } as Partial<P>);
}
