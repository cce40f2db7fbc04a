import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnownSampleUser } from "../../../lib/local/bundledSimulator.js";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import type { Auth0Hold } from "../../../lib/local/types.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { readCsvReport } from "../../helpers/reports.js";
import { runCounts, SCALED_TIMINGS } from "../../helpers/scaledTimings.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

// With SCALED_TIMINGS the old rule's dead-letter horizon is about 10 s; the incident lasts 40 s.
describe("the local pipeline through an Auth0 incident", () => {
  let dir: string;
  let simulator: Auth0Simulator;
  let file: GeneratedUsers;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-incident-"));
    file = generateUsersCsv({ users: 80, seed: 31 });
    path = join(dir, "users.csv");
    await writeFile(path, file.csv);
    simulator = await startAuth0Simulator({
      rps: 50,
      burst: 20,
      latencyMs: [0, 5],
      knownUsers: isKnownSampleUser,
    });
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every user after an incident four times the old dead-letter horizon, with nothing in the DLQ", async () => {
    // Every call, the token endpoint included, answers 503 from 1 s after the first PUT, for 40 s.
    simulator.scheduleOutage({ afterMs: 1_000, forMs: 40_000, status: 503, from: "firstRequest" });
    const holds: Auth0Hold[] = [];
    const summary = await runLocalMigration({
      file: path,
      target: { domain: simulator.url, clientId: simulator.clientId, clientSecret: simulator.clientSecret },
      rpsCeiling: 20,
      reportsDir: join(dir, "reports"),
      ...SCALED_TIMINGS,
      onProgress: (progress) => {
        if (progress.auth0 && holds.at(-1)?.sinceMs !== progress.auth0.sinceMs) holds.push(progress.auth0);
      },
    });

    expect(runCounts(summary)).toEqual({
      users: file.users,
      applied: file.applied.size,
      rejected: file.rejectedUsers,
      failed: file.refused.size,
      pending: 0,
      accounted: true,
    });
    expect(tenantState(simulator)).toEqual(file.applied);
    // Only the users the tenant does not know are in the DLQ, with their 404: none of the incident's 503s.
    const failures = await readCsvReport(summary.reports.failures);
    expect(new Map(failures.map((row) => [row.user_id, row.status]))).toEqual(
      new Map([...file.refused.keys()].map((userId) => [userId, "404"])),
    );
    expect(simulator.stats.outageFailures).toBeGreaterThan(0);
    expect(holds[0]).toMatchObject({ reason: "unavailable", status: "503", probeIntervalMs: 1_000 });
    expect(summary.durationMs).toBeGreaterThanOrEqual(40_000);
  }, 240_000);
});
