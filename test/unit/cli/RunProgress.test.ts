import { describe, expect, it } from "vitest";
import { LineProgress, SilentProgress, TerminalProgress } from "../../../cli/RunProgress.js";
import type { MigrationProgress } from "../../../lib/local/types.js";

/** A stream that keeps what is written, with the columns a terminal would report. */
function stream(columns?: number): NodeJS.WriteStream & { text: string } {
  const sink = {
    text: "",
    columns,
    write(chunk: string) {
      sink.text += chunk;
      return true;
    },
  };
  return sink as unknown as NodeJS.WriteStream & { text: string };
}

function progress(overrides: Partial<MigrationProgress>): MigrationProgress {
  return {
    phase: "applying",
    read: { lines: 0, users: 0, bytes: 0 },
    rejected: 0,
    applied: 0,
    failed: 0,
    retries: 0,
    throttled: 0,
    elapsedMs: 0,
    ...overrides,
  };
}

const OPTIONS = { file: "users.csv", rps: 50 };

/** The last line drawn in place. */
function lastDrawn(text: string): string {
  return (
    text
      .split("\r")
      .filter((part) => part !== "" && part !== "\x1b[K")
      .at(-1) ?? ""
  ).replace("\x1b[K", "");
}

describe("progress of a run", () => {
  it("shows lines and users read, with their rate, while the file is read", () => {
    const out = stream(120);
    const display = new TerminalProgress(out, OPTIONS, 0);
    display.update(progress({ phase: "ingesting", elapsedMs: 0 }));
    display.update(
      progress({ phase: "ingesting", read: { lines: 24_001, users: 12_000, bytes: 1 }, elapsedMs: 2_000 }),
    );

    expect(lastDrawn(out.text)).toBe("reading: 24,001 lines | 12,000 users | 6,000 users read/s");
  });

  it("measures rate and ETA from users applied, not from the rejected ones done at once, and only once meaningful", () => {
    const out = stream(120);
    const display = new TerminalProgress(out, OPTIONS, 0);
    display.update(progress({ users: 2_000, rejected: 1_000, applied: 0, elapsedMs: 0 }));
    display.update(progress({ users: 2_000, rejected: 1_000, applied: 30, elapsedMs: 3_000 }));
    expect(lastDrawn(out.text)).not.toContain("ETA");
    expect(lastDrawn(out.text)).not.toContain("users/s");

    display.update(progress({ users: 2_000, rejected: 1_000, applied: 100, elapsedMs: 10_000 }));
    // 10 users/s over the window; 900 left: 90 s.
    expect(lastDrawn(out.text)).toBe(
      "███████████░░░░░░░░░ | 55% | 1,100/2,000 users | applied 100 | rejected 1,000 | failed 0 | 10 users/s | ETA 1 min 30 s",
    );
  });

  it.each([80, 60, 40])("fits a %d-column terminal, dropping fields by importance", (columns) => {
    const out = stream(columns);
    const display = new TerminalProgress(out, OPTIONS, 0);
    display.update(progress({ users: 50_000, rejected: 1_000, applied: 0, elapsedMs: 0 }));
    display.update(
      progress({ users: 50_000, rejected: 1_000, applied: 1_600, failed: 3, elapsedMs: 100_000 }),
    );

    const line = lastDrawn(out.text);
    expect([...line].length).toBeLessThan(columns);
    expect(line).toContain("2,603/50,000 users");
    expect(line).toContain("ETA");
  });

  it("writes a log line every few seconds that fits 80 columns and has no bar", () => {
    const out = stream();
    const display = new LineProgress(out, OPTIONS, 5_000);
    display.update(progress({ phase: "ingesting", elapsedMs: 100 }));
    display.update(progress({ users: 50_000, rejected: 1_000, applied: 0, elapsedMs: 1_000 }));
    display.update(progress({ users: 50_000, rejected: 1_000, applied: 200, elapsedMs: 3_000 }));
    display.update(
      progress({ users: 50_000, rejected: 1_000, applied: 1_600, failed: 3, elapsedMs: 101_000 }),
    );

    const lines = out.text.trimEnd().split("\n");
    expect(lines).toEqual([
      "[1.0 s] 1,000/50,000 users, applied 0, rejected 1,000, failed 0",
      // 1,403 applied or failed over the 98 s since the last reading before the window: 14.3/s.
      "[1 min 41 s] 2,603/50,000 users, applied 1,600, failed 3, 14 users/s, ETA 55 min",
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("says on a line of its own when the run holds its records, and when it resumes", () => {
    const out = stream();
    const display = new LineProgress(out, OPTIONS, 5_000);
    const auth0 = {
      reason: "unavailable" as const,
      sinceMs: new Date(2026, 11, 1, 12, 3, 10).getTime(),
      status: "503",
      message: "Service Unavailable",
      probeIntervalMs: 30_000,
    };
    display.update(progress({ users: 600, applied: 60, elapsedMs: 7_500, auth0 }));
    display.update(progress({ users: 600, applied: 60, elapsedMs: 12_600, auth0 }));
    display.update(progress({ users: 600, applied: 69, elapsedMs: 909_000 }));

    expect(out.text.trimEnd().split("\n")).toEqual([
      "[7.5 s] Auth0 unavailable since 12:03:10 (503), retrying every 30 s; nothing is lost",
      "[7.5 s] waiting for Auth0, 60/600 users, applied 60, rejected 0, failed 0",
      "[12.6 s] waiting for Auth0, 60/600 users, applied 60, rejected 0, failed 0",
      "[15 min 09 s] Auth0 answers again: resuming",
      expect.stringMatching(/^\[15 min 09 s\] 69\/600 users, applied 69/),
    ]);
  });

  it("says once when the tenant's headers show it refills slower than --rps", () => {
    const out = stream();
    const display = new SilentProgress(out, OPTIONS);
    display.update(progress({ tenantRateLimit: { limit: 50 } }));
    display.update(progress({ tenantRateLimit: { limit: 50, refillPerSecond: 15.7 } }));
    display.update(progress({ tenantRateLimit: { limit: 50, refillPerSecond: 15.9 } }));

    expect(out.text).toBe(
      "Note: the tenant's x-ratelimit-* headers show its rate limit refills about 16 requests/s (bucket of 50), below --rps 50: this run goes at the tenant's pace.\n",
    );
  });

  it("says nothing about a tenant that keeps up with --rps", () => {
    const out = stream();
    new SilentProgress(out, OPTIONS).update(
      progress({ tenantRateLimit: { limit: 100, refillPerSecond: 48 } }),
    );
    expect(out.text).toBe("");
  });
});
