import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import type { MigrationProgress } from "../../../lib/local/types.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { readCsvReport } from "../../helpers/reports.js";
import { SCALED_TIMINGS } from "../../helpers/scaledTimings.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

describe("the local pipeline: what is and is not a user's failure", () => {
  let dir: string;
  let file: GeneratedUsers;
  let path: string;
  const simulators: Auth0Simulator[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-user-failures-"));
    file = generateUsersCsv({ users: 30, invalidEvery: 1_000, missingEvery: 1_000, seed: 11 });
    path = join(dir, "users.csv");
    await writeFile(path, file.csv);
  });
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("dead-letters one user's persistent 5xx with its reason after its real attempts, and applies the others", async () => {
    const sim = await startAuth0Simulator({ rps: 50, burst: 20 });
    simulators.push(sim);
    const sick = [...file.applied.keys()][7] ?? "";
    sim.failUser(sick, 500);
    const holds: NonNullable<MigrationProgress["auth0"]>[] = [];
    const summary = await runLocalMigration({
      file: path,
      target: { domain: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret },
      rpsCeiling: 20,
      reportsDir: join(dir, "sick"),
      ...SCALED_TIMINGS,
      onProgress: (progress) => {
        if (progress.auth0) holds.push(progress.auth0);
      },
    });
    expect({ applied: summary.applied, failed: summary.failed, pending: summary.pending }).toEqual({
      applied: file.applied.size - 1,
      failed: 1,
      pending: 0,
    });
    const healthy = new Map(file.applied);
    healthy.delete(sick);
    expect(tenantState(sim)).toEqual(healthy);
    const failures = await readCsvReport(summary.reports.failures);
    expect(failures).toEqual([
      expect.objectContaining({
        user_id: sick,
        status: "500",
        attempts: "15",
        message: expect.stringMatching(/^An internal server error occurred \(15 attempts since \d{4}-/),
      }),
    ]);
    // One user's failures never look like an incident.
    expect(holds).toEqual([]);
  }, 120_000);

  it("waits out a 429 pause longer than the invocation: the records come back after it, none dead-lettered", async () => {
    // A bucket of 2 refilled at 0.5 a second (a full bucket every 4 s) against 2 s of budget an invocation.
    const sim = await startAuth0Simulator({ rps: 0.5, burst: 2 });
    simulators.push(sim);
    const small = generateUsersCsv({ users: 10, invalidEvery: 1_000, missingEvery: 1_000, seed: 12 });
    const smallPath = join(dir, "small.csv");
    await writeFile(smallPath, small.csv);
    // Before, each such receive gave the record back at once and counted it: on the 2nd, dead-lettered.
    const summary = await runLocalMigration({
      file: smallPath,
      target: { domain: sim.url, clientId: sim.clientId, clientSecret: sim.clientSecret },
      rpsCeiling: 20,
      budgetShare: 1,
      maxReceiveCount: 2,
      applyTimeoutSeconds: 3,
      visibilityTimeoutSeconds: 18,
      reportsDir: join(dir, "throttled"),
      applyOptions: { timeMarginMs: 1_000 },
    });
    expect({ applied: summary.applied, failed: summary.failed, pending: summary.pending }).toEqual({
      applied: small.applied.size,
      failed: 0,
      pending: 0,
    });
    expect(tenantState(sim)).toEqual(small.applied);
  }, 240_000);
});
