import { describe, expect, it } from "vitest";
import type { ApplyCounts } from "../../../lib/apply/types.js";
import { EmfMetrics } from "../../../lib/metrics/EmfMetrics.js";
import { countMetricName } from "../../../lib/metrics/names.js";
import { recordCounts } from "../../../lib/metrics/recordCounts.js";
import { recordIngestSummary } from "../../../lib/metrics/recordIngestSummary.js";
import type { IngestSummary } from "../../../lib/reports/IngestSummary.js";

function recorded(record: (metrics: EmfMetrics) => void): Record<string, unknown> {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ clock: () => 0, write: (line) => lines.push(line) });
  record(metrics);
  metrics.flush();
  const { _aws, ...values } = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
  return values;
}

describe("recordCounts", () => {
  it("emits every numeric field of apply's batch counts as a count of the same name in PascalCase", () => {
    const counts: ApplyCounts = {
      applied: 7,
      deadLettered: 1,
      retried: 0,
      deferred: 2,
      requeued: 0,
      throttled: 3,
    };
    expect(recorded((metrics) => recordCounts(metrics, counts))).toEqual({
      Applied: 7,
      DeadLettered: 1,
      Retried: 0,
      Deferred: 2,
      Requeued: 0,
      Throttled: 3,
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

describe("recordIngestSummary", () => {
  const summary: IngestSummary = {
    source: { bucket: "b", key: "incoming/users.csv" },
    users: 10,
    valid: 8,
    rejected: 2,
    methods: 9,
    sent: 7,
    failedToSend: 1,
    lines: 12,
    bytes: 400,
    allowClear: false,
    startedAt: "2026-12-01T14:00:00.000Z",
    finishedAt: "2026-12-01T14:00:01.000Z",
    durationMs: 1000,
    reports: { rejects: "reports/users.csv.rejects.csv", summary: "reports/users.csv.summary.json" },
  };

  it("records users ingested, rejected, sent and not sent, and no file error", () => {
    expect(recorded((metrics) => recordIngestSummary(metrics, summary))).toEqual({
      UsersIngested: 10,
      UsersRejected: 2,
      UsersSent: 7,
      UsersFailedToSend: 1,
      FileErrors: 0,
    });
  });

  it("counts a file that a file-level error stopped", () => {
    const stopped = { ...summary, fileError: { name: "CorruptInputError", message: "bad gzip", line: 4 } };
    expect(recorded((metrics) => recordIngestSummary(metrics, stopped))).toMatchObject({ FileErrors: 1 });
  });
});
