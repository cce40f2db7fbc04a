import type { ApplyCounts } from "./types.js";

/**
 * The counts of a batch nothing of which has ended yet (a fresh object each call): where a batch's counts
 * start, and what a test's expected counts are spread from.
 *
 * @example
 * const counts = { ...emptyApplyCounts(), applied: 3 };
 */
export function emptyApplyCounts(): ApplyCounts {
  return {
    applied: 0,
    deadLettered: 0,
    retried: 0,
    deferred: 0,
    requeued: 0,
    superseded: 0,
    throttled: 0,
    cancelled: 0,
    alreadyCounted: 0,
    heldByCircuit: 0,
    heldByConfiguration: 0,
    oldestWorkAgeSeconds: 0,
  };
}
