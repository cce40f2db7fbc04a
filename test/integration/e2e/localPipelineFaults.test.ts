import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnownSampleUser } from "../../../lib/local/bundledSimulator.js";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { readCsvReport } from "../../helpers/reports.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

describe("the local pipeline against a faulty, tightly rate-limited tenant", () => {
  let dir: string;
  let simulator: Auth0Simulator;
  let file: GeneratedUsers;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-faults-"));
    file = generateUsersCsv({ users: 400, seed: 23 });
    path = join(dir, "users.csv");
    await writeFile(path, file.csv);
    simulator = await startAuth0Simulator({
      rps: 50,
      burst: 10,
      latencyMs: [0, 5],
      knownUsers: isKnownSampleUser,
      faults: { errorRate: 0.2, resetRate: 0.05, slowRate: 0.05, slowMs: 300 },
      seed: 5,
    });
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("still applies every valid known user and accounts for every user, with 20% 5xx, connection resets and 429s", async () => {
    const summary = await runLocalMigration({
      file: path,
      target: { domain: simulator.url, clientId: simulator.clientId, clientSecret: simulator.clientSecret },
      // A ceiling twice the tenant's limit: only the rate-limit headers and 429s keep the run within it.
      rpsCeiling: 100,
      reportsDir: join(dir, "reports"),
      // Redeliveries after 1 s rather than 10 s, to keep the test short; the logic is the handler's own.
      applyOptions: {
        redeliveryBaseSeconds: 1,
        redeliveryMaxSeconds: 2,
        backoff: { baseMs: 20, maxMs: 200 },
      },
    });

    expect({
      users: summary.users,
      applied: summary.applied,
      rejected: summary.rejected,
      failed: summary.failed,
      pending: summary.pending,
      accounted: summary.accounted,
    }).toEqual({
      users: file.users,
      applied: file.applied.size,
      rejected: file.rejectedUsers,
      failed: file.refused.size,
      pending: 0,
      accounted: true,
    });
    expect(tenantState(simulator)).toEqual(file.applied);
    const failures = await readCsvReport(summary.reports.failures);
    expect(new Map(failures.map((row) => [row.user_id, row.status]))).toEqual(
      new Map([...file.refused.keys()].map((userId) => [userId, "404"])),
    );
    const { byStatus, resets } = simulator.stats;
    expect(byStatus[503]).toBeGreaterThan(0);
    expect(resets).toBeGreaterThan(0);
  }, 180_000);
});
