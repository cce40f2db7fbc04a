import { describe, expect, it } from "vitest";
import { formatJobStatus } from "../../../cli/jobsReport.js";
import type { Job } from "../../../lib/jobs/types.js";

const JOB: Job = {
  id: "j-0123456789abcdef0123",
  source: { bucket: "b", key: "incoming/users.csv" },
  status: "sending",
  startedAt: "2026-12-01T10:00:00.000Z",
  users: 0,
  valid: 0,
  rejected: 0,
  unchanged: 0,
  sent: 2000,
  failedToSend: 0,
  applied: 0,
  failed: 0,
  superseded: 0,
  cancelled: 0,
  pending: 2000,
  ingestInvocations: 1,
  reports: {},
};

describe("formatJobStatus", () => {
  it("says nothing of ingest invocations when there was one", () => {
    expect(formatJobStatus(JOB, Date.parse("2026-12-01T10:00:05.000Z"))).not.toContain("  ingest");
  });

  it("names the invocations and the checkpoint an ingest goes on from", () => {
    const job: Job = {
      ...JOB,
      ingestInvocations: 3,
      checkpoint: { seq: 3, pass: 2, position: { byte: 9000, line: 412 } },
    };
    expect(formatJobStatus(job, Date.parse("2026-12-01T10:00:05.000Z"))).toContain(
      "\n  ingest    3 invocations, continuing from checkpoint 3 (pass 2, line 412)\n",
    );
    expect(formatJobStatus({ ...job, checkpoint: undefined }, 0)).toContain("\n  ingest    3 invocations\n");
  });
});
