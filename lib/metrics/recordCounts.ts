import { countMetricName } from "./names.js";
import type { Metrics } from "./types.js";

/**
 * Adds every numeric field of a counts object as a counter of the same name in PascalCase, zeros included (an
 * alarm on `HeldByCircuit` must see it fall back to 0). Generic on purpose: a count added to apply's batch
 * counts becomes a metric with no wiring of its own.
 *
 * @example
 * recordCounts(metrics, { applied: 9, deadLettered: 1 }); // Applied 9, DeadLettered 1
 */
export function recordCounts(metrics: Metrics, counts: object): void {
  for (const [field, value] of Object.entries(counts)) {
    if (typeof value === "number") metrics.add(countMetricName(field), value, "Count");
  }
}
