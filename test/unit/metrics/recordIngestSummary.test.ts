import { describe, expect, it } from "vitest";
import { recordIngestSummary } from "../../../lib/metrics/recordIngestSummary.js";
import type { Metrics } from "../../../lib/metrics/types.js";
import type { IngestSummary } from "../../../lib/reports/IngestSummary.js";
import { capturedMetrics } from "../../helpers/metrics.js";

function recorded(record: (metrics: Metrics) => void): Record<string, unknown> {
  const { metrics, values } = capturedMetrics();
  record(metrics);
  return values();
}

describe("recordIngestSummary", () => {
  const summary: IngestSummary = {
    source: { bucket: "b", key: "incoming/users.csv" },
    users: 10,
    valid: 8,
    rejected: 2,
    methods: 9,
    sent: 5,
    unchanged: 2,
    failedToSend: 1,
    lines: 12,
    bytes: 400,
    allowClear: false,
    phoneCheck: "strict",
    startedAt: "2026-12-01T14:00:00.000Z",
    finishedAt: "2026-12-01T14:00:01.000Z",
    durationMs: 1000,
    reports: { rejects: "reports/users.csv.rejects.csv", summary: "reports/users.csv.summary.json" },
  };

  it("records users ingested, rejected, sent, unchanged and not sent, and no file error", () => {
    expect(recorded((metrics) => recordIngestSummary(metrics, summary))).toEqual({
      UsersIngested: 10,
      UsersRejected: 2,
      UsersSent: 5,
      UsersUnchanged: 2,
      UsersFailedToSend: 1,
      FileErrors: 0,
    });
  });

  it("counts a file that a file-level error stopped", () => {
    const stopped = { ...summary, fileError: { name: "CorruptInputError", message: "bad gzip", line: 4 } };
    expect(recorded((metrics) => recordIngestSummary(metrics, stopped))).toMatchObject({ FileErrors: 1 });
  });
});
