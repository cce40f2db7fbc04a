import { describe, expect, it } from "vitest";
import { exitCodeOf, jsonSummary } from "../../../cli/runReport.js";
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
    accounted: true,
    interrupted: false,
    durationMs: 1234,
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
    expect(jsonSummary(summary({ applied: 6, rejected: 1, failed: 2, failedToSend: 1 }))).toBe(
      '{"users":10,"applied":6,"rejected":1,"failed":3,"unchanged":0,"durationMs":1234,"jobId":"j-0123456789abcdef0123","reportsDir":"/r"}',
    );
  });

  it("adds cancelled when the job was cancelled", () => {
    expect(jsonSummary(summary({ applied: 6, cancelled: 4 }))).toBe(
      '{"users":10,"applied":6,"rejected":0,"failed":0,"unchanged":0,"durationMs":1234,"jobId":"j-0123456789abcdef0123","reportsDir":"/r","cancelled":4}',
    );
  });

  it("adds interrupted and pending after Ctrl-C", () => {
    expect(jsonSummary(summary({ applied: 4, pending: 6, interrupted: true }))).toBe(
      '{"users":10,"applied":4,"rejected":0,"failed":0,"unchanged":0,"durationMs":1234,"jobId":"j-0123456789abcdef0123","reportsDir":"/r","interrupted":true,"pending":6}',
    );
  });
});
