import { describe, expect, it } from "vitest";
import { exitCodeOf, formatRunSummary, jsonSummary } from "../../../cli/runReport.js";
import type { LocalMigrationSummary } from "../../../lib/local/types.js";

function summary(overrides: Partial<LocalMigrationSummary> = {}): LocalMigrationSummary {
  return {
    runId: "r",
    jobId: "j-0123456789abcdef0123",
    status: "complete",
    file: "users.csv",
    key: "incoming/users.csv",
    users: 10,
    applied: 10,
    rejected: 0,
    unchanged: 0,
    superseded: 0,
    cancelled: 0,
    failed: 0,
    failedToSend: 0,
    pending: 0,
    withheld: 0,
    accounted: true,
    interrupted: false,
    durationMs: 1234,
    ingestInvocations: 1,
    reports: { dir: "/r", failures: "/r/users.csv.failures.csv", run: "/r/users.csv.run.json" },
    ...overrides,
  };
}

describe("exitCodeOf", () => {
  it.each([
    ["every user applied", {}, 0],
    ["some rejected", { applied: 9, rejected: 1 }, 1],
    ["some failed", { applied: 9, failed: 1 }, 1],
    ["some not sent", { applied: 9, failedToSend: 1 }, 1],
    ["some cancelled", { applied: 9, cancelled: 1 }, 1],
    ["users not accounted for", { applied: 9, accounted: false }, 1],
    ["a file-level error", { fileError: { name: "UnknownColumnError", message: "m", line: 1 } }, 2],
    [
      "more rejected users than --max-rejected allows",
      {
        applied: 0,
        rejected: 3,
        withheld: 7,
        tooManyRejected: { maxRejected: "2", limit: 2, rejected: 3, users: 10, message: "m" },
      },
      2,
    ],
    ["an interruption", { applied: 4, pending: 6, interrupted: true }, 130],
  ])("exits for %s with its code", (_case, overrides, code) => {
    expect(exitCodeOf(summary(overrides))).toBe(code);
  });

  it.each([
    ["rejects and failures it was built to have", { applied: 8, rejected: 1, failed: 1 }, 0],
    ["users not accounted for", { applied: 9, accounted: false }, 1],
    ["an interruption", { applied: 4, pending: 6, interrupted: true }, 130],
  ])("exits a demo run of the sample with %s by its own rule", (_case, overrides, code) => {
    expect(exitCodeOf(summary(overrides), { demo: true })).toBe(code);
  });
});

describe("jsonSummary", () => {
  it("prints exactly design.md's fields, counting unsent users as failed", () => {
    expect(jsonSummary(summary({ applied: 6, rejected: 1, failed: 2, failedToSend: 1 }), "/")).toEqual({
      users: 10,
      applied: 6,
      rejected: 1,
      failed: 3,
      unchanged: 0,
      durationMs: 1234,
      jobId: "j-0123456789abcdef0123",
      reportsDir: "r",
    });
  });

  it("adds the file-level error and its line when the file stopped part-way", () => {
    expect(
      jsonSummary(
        summary({
          applied: 3,
          users: 3,
          fileError: { name: "CorruptInputError", message: "the gzip data is corrupt", line: 7 },
        }),
        "/r",
      ),
    ).toEqual({
      users: 3,
      applied: 3,
      rejected: 0,
      failed: 0,
      unchanged: 0,
      durationMs: 1234,
      jobId: "j-0123456789abcdef0123",
      reportsDir: ".",
      error: "the gzip data is corrupt",
      line: 7,
    });
  });

  it("adds cancelled when the job was cancelled", () => {
    expect(jsonSummary(summary({ applied: 6, cancelled: 4 }), "/")).toMatchObject({
      applied: 6,
      cancelled: 4,
    });
  });

  it("adds interrupted and pending after Ctrl-C", () => {
    expect(jsonSummary(summary({ applied: 4, pending: 6, interrupted: true }), "/")).toEqual({
      users: 10,
      applied: 4,
      rejected: 0,
      failed: 0,
      unchanged: 0,
      durationMs: 1234,
      jobId: "j-0123456789abcdef0123",
      reportsDir: "r",
      interrupted: true,
      pending: 6,
    });
  });
});

describe("formatRunSummary", () => {
  it("names the file as typed, counts with separators, and each report once, in the folder line", () => {
    const text = formatRunSummary(
      summary({
        file: "/home/me/users.csv",
        users: 12_345,
        applied: 12_000,
        rejected: 300,
        failed: 45,
        durationMs: 61_000,
        reports: {
          dir: "/home/me/factor-sync-reports/r1",
          rejects: "/home/me/factor-sync-reports/r1/users.csv.rejects.csv",
          failures: "/home/me/factor-sync-reports/r1/users.csv.failures.csv",
          summary: "/home/me/factor-sync-reports/r1/users.csv.summary.json",
          run: "/home/me/factor-sync-reports/r1/users.csv.run.json",
        },
      }),
      "../users.csv",
      "/home/me",
    );

    expect(text).toBe(
      [
        "",
        "Summary of ../users.csv",
        "  users         12,345",
        "  applied       12,000",
        "  rejected         300   invalid input (the rejects report)",
        "  failed            45   refused by Auth0 or out of retries (the failures report)",
        "  time      1 min 01 s   197 users/s through Auth0",
        "",
        "Reports in factor-sync-reports/r1/: users.csv.rejects.csv, users.csv.failures.csv, users.csv.summary.json, users.csv.run.json",
        "Job j-0123456789abcdef0123: complete (factor-sync status j-0123456789abcdef0123)",
        "",
      ].join("\n"),
    );
  });
});
