import { describe, expect, it } from "vitest";
import { formatJobStatus, formatJobsTable } from "../../../cli/jobsReport.js";
import { toJobJson } from "../../../lib/jobs/jobJson.js";
import type { Job } from "../../../lib/jobs/types.js";

const REASON =
  "configuration error: the token endpoint refused the client (401): fix the Auth0 client secret";

const paused: Job = {
  id: "j1",
  source: { bucket: "b", key: "incoming/users.csv" },
  status: "paused",
  reason: REASON,
  startedAt: "2026-12-01T12:00:00.000Z",
  ingestFinishedAt: "2026-12-01T12:00:01.000Z",
  ingestInvocations: 1,
  users: 3,
  valid: 3,
  rejected: 0,
  unchanged: 0,
  sent: 3,
  failedToSend: 0,
  applied: 1,
  failed: 0,
  superseded: 0,
  cancelled: 0,
  pending: 2,
  reports: {},
};
const applying: Job = { ...paused, id: "j0", status: "applying", reason: undefined };

describe("jobs and status of a paused job", () => {
  it("shows the status and, under the table, the reason", () => {
    expect(formatJobsTable([paused, applying]).split("\n")).toEqual([
      "JOB  STATUS    FILE                USERS  APPLIED  FAILED  REJECTED  PENDING  STARTED",
      "j1   paused    incoming/users.csv  3      1        0       0         2        2026-12-01T12:00:00.000Z",
      "j0   applying  incoming/users.csv  3      1        0       0         2        2026-12-01T12:00:00.000Z",
      `j1 paused: ${REASON}`,
      "",
    ]);
    expect(formatJobStatus(paused, Date.parse("2026-12-01T12:01:00.000Z")).split("\n")[0]).toBe(
      `Job j1: paused (${REASON})`,
    );
  });

  it("puts the reason beside the status in --json, and no reason key when there is none", () => {
    expect(toJobJson(paused)).toMatchObject({ id: "j1", status: "paused", reason: REASON, pending: 2 });
    expect(Object.keys(toJobJson(paused)).slice(0, 4)).toEqual(["id", "source", "status", "reason"]);
    expect(toJobJson(applying)).not.toHaveProperty("reason");
  });
});

describe("status of an ingest that continued from checkpoints", () => {
  it("says nothing of ingest invocations when there was one", () => {
    expect(formatJobStatus(applying, Date.parse("2026-12-01T12:01:00.000Z"))).not.toContain("  ingest");
  });

  it("names the invocations and the checkpoint an ingest goes on from", () => {
    const job: Job = {
      ...applying,
      status: "sending",
      ingestFinishedAt: undefined,
      ingestInvocations: 3,
      checkpoint: { seq: 3, pass: 2, position: { byte: 9000, line: 412 } },
    };
    expect(formatJobStatus(job, Date.parse("2026-12-01T12:01:00.000Z"))).toContain(
      "\n  ingest    3 invocations, continuing from checkpoint 3 (pass 2, line 412)\n",
    );
    expect(formatJobStatus({ ...job, checkpoint: undefined }, 0)).toContain("\n  ingest    3 invocations\n");
  });
});
