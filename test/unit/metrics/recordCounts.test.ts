import { describe, expect, it } from "vitest";
import type { ApplyCounts } from "../../../lib/apply/types.js";
import { countMetricName } from "../../../lib/metrics/names.js";
import { recordCounts } from "../../../lib/metrics/recordCounts.js";
import type { Metrics } from "../../../lib/metrics/types.js";
import { capturedMetrics } from "../../helpers/metrics.js";

function recorded(record: (metrics: Metrics) => void): Record<string, unknown> {
  const { metrics, values } = capturedMetrics();
  record(metrics);
  return values();
}

describe("recordCounts", () => {
  it("emits every numeric field of apply's batch counts as a count of the same name in PascalCase", () => {
    const counts: ApplyCounts = {
      applied: 7,
      deadLettered: 1,
      retried: 0,
      deferred: 2,
      requeued: 0,
      superseded: 5,
      throttled: 3,
      cancelled: 1,
      alreadyCounted: 2,
      heldByCircuit: 4,
      heldByConfiguration: 0,
      oldestWorkAgeSeconds: 95,
    };
    expect(recorded((metrics) => recordCounts(metrics, counts))).toEqual({
      Applied: 7,
      DeadLettered: 1,
      Retried: 0,
      Deferred: 2,
      Requeued: 0,
      Superseded: 5,
      Throttled: 3,
      Cancelled: 1,
      AlreadyCounted: 2,
      HeldByCircuit: 4,
      HeldByConfiguration: 0,
      OldestWorkAgeSeconds: 95,
    });
  });

  it("picks up a count added later with no wiring of its own, and skips fields that are not numbers", () => {
    const counts = {
      applied: 1,
      heldByCircuit: 4,
      heldByConfiguration: 0,
      reason: "paused",
      nested: { a: 1 },
    };
    expect(recorded((metrics) => recordCounts(metrics, counts))).toEqual({
      Applied: 1,
      HeldByCircuit: 4,
      HeldByConfiguration: 0,
    });
  });

  it.each([
    ["applied", "Applied"],
    ["deadLettered", "DeadLettered"],
    ["heldByCircuit", "HeldByCircuit"],
  ])("names the field %s %s", (field, name) => {
    expect(countMetricName(field)).toBe(name);
  });
});
