import { describe, expect, it } from "vitest";
import { completionReport, failuresCsv } from "../../../lib/jobs/completionReport.js";
import type { Job } from "../../../lib/jobs/types.js";

const job: Job = {
  id: "j-0123456789abcdef0123",
  source: { bucket: "b", key: "incoming/users.csv", versionId: "v1" },
  status: "complete-with-failures",
  startedAt: "2026-12-01T10:00:00.000Z",
  ingestFinishedAt: "2026-12-01T10:00:02.000Z",
  finishedAt: "2026-12-01T10:00:10.000Z",
  ingestInvocations: 1,
  rpsCeiling: 10,
  users: 100,
  valid: 98,
  rejected: 2,
  unchanged: 0,
  sent: 97,
  failedToSend: 1,
  applied: 80,
  failed: 17,
  superseded: 0,
  cancelled: 0,
  pending: 0,
  reports: { rejects: "reports/users.csv.rejects.csv" },
};

describe("completionReport", () => {
  it("gives counts, durations and the rate achieved against the ceiling", () => {
    expect(completionReport(job, { ...job.reports, result: "r.json", failures: "f.csv" })).toEqual({
      jobId: job.id,
      source: job.source,
      status: "complete-with-failures",
      counts: {
        users: 100,
        valid: 98,
        rejected: 2,
        unchanged: 0,
        sent: 97,
        failedToSend: 1,
        applied: 80,
        failed: 17,
        superseded: 0,
        cancelled: 0,
        pending: 0,
      },
      startedAt: "2026-12-01T10:00:00.000Z",
      ingestFinishedAt: "2026-12-01T10:00:02.000Z",
      finishedAt: "2026-12-01T10:00:10.000Z",
      durations: { totalMs: 10_000, ingestMs: 2_000 },
      rate: { appliedPerSecond: 8, ceilingPerSecond: 10, shareOfCeiling: 0.8 },
      reports: { rejects: "reports/users.csv.rejects.csv", result: "r.json", failures: "f.csv" },
    });
  });

  it("leaves out what an unfinished job does not know yet", () => {
    const { finishedAt: _finished, rpsCeiling: _ceiling, ...running } = job;
    const report = completionReport({ ...running, status: "applying" });
    expect(report.durations).toEqual({ ingestMs: 2_000 });
    expect(report.rate).toEqual({});
    expect(report.finishedAt).toBeUndefined();
  });
});

describe("failuresCsv", () => {
  it("lists the job's failed users with the columns of dlq-export, a formula-like id kept as text", () => {
    const csv = failuresCsv(job, [
      {
        userId: "auth0|a",
        outcome: "failed",
        line: 7,
        at: "2026-12-01T10:00:05.000Z",
        reason: {
          status: "404",
          errorCode: "inexistent_user",
          message: "The user does not exist.",
          attempts: 1,
          failedAt: "2026-12-01T10:00:05.000Z",
        },
      },
      {
        userId: "=HYPERLINK(1)",
        outcome: "failed",
        at: "2026-12-01T10:00:06.000Z",
        reason: {
          status: "503",
          message: "Service Unavailable, twice",
          attempts: 3,
          failedAt: "2026-12-01T10:00:06.000Z",
        },
      },
    ]);
    expect(csv).toBe(
      "\uFEFFline,user_id,status,errorCode,message,attempts,failedAt,source_key\r\n" +
        "7,auth0|a,404,inexistent_user,The user does not exist.,1,2026-12-01T10:00:05.000Z,incoming/users.csv\r\n" +
        `,'=HYPERLINK(1),503,,"Service Unavailable, twice",3,2026-12-01T10:00:06.000Z,incoming/users.csv\r\n`,
    );
  });
});
