import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Auth0Credentials } from "../../../lib/auth0/TokenProvider.js";
import { runLocalMigration } from "../../../lib/local/runLocalMigration.js";
import type { Auth0Hold, LocalMigrationSummary, MigrationProgress } from "../../../lib/local/types.js";
import {
  type Auth0Simulator,
  type Auth0SimulatorOptions,
  DEFAULT_SCOPES,
  startAuth0Simulator,
} from "../../../lib/simulator/index.js";
import { runCounts, SCALED_TIMINGS } from "../../helpers/scaledTimings.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

describe("the local pipeline through configuration mistakes", () => {
  let dir: string;
  let file: GeneratedUsers;
  let path: string;
  const simulators: Auth0Simulator[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-configuration-"));
    // Every user known (and all but the generator's first invalid one valid): each valid one must end applied.
    file = generateUsersCsv({ users: 40, invalidEvery: 1_000, missingEvery: 1_000, seed: 7 });
    path = join(dir, "users.csv");
    await writeFile(path, file.csv);
  });
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Runs the file with credentials read through `load` (as `run` re-reads `.env`), calling `onHold` once, at
   * the first configuration hold the progress shows: the operator fixing the mistake.
   */
  async function runFixedOnHold(
    sim: Auth0Simulator,
    load: () => Promise<Auth0Credentials>,
    onHold: (hold: Auth0Hold, progress: MigrationProgress) => void,
    name: string,
    onEveryProgress: (progress: MigrationProgress) => void = () => {},
  ): Promise<{ summary: LocalMigrationSummary; holds: Auth0Hold[] }> {
    const holds: Auth0Hold[] = [];
    const summary = await runLocalMigration({
      file: path,
      target: { domain: sim.url, clientId: "", clientSecret: "", loadCredentials: load },
      rpsCeiling: 20,
      reportsDir: join(dir, name),
      ...SCALED_TIMINGS,
      onProgress: (progress) => {
        onEveryProgress(progress);
        const hold = progress.auth0;
        if (hold?.reason !== "configuration") return;
        if (holds.length === 0) onHold(hold, progress);
        if (holds.at(-1)?.problem !== hold.problem) holds.push(hold);
      },
    });
    return { summary, holds };
  }

  async function start(options: Auth0SimulatorOptions = {}) {
    const sim = await startAuth0Simulator({ rps: 50, burst: 20, latencyMs: [0, 5], ...options });
    simulators.push(sim);
    return sim;
  }

  function expectAllApplied(sim: Auth0Simulator, summary: LocalMigrationSummary) {
    expect(runCounts(summary)).toEqual({
      users: file.users,
      applied: file.applied.size,
      rejected: file.rejectedUsers,
      failed: 0,
      pending: 0,
      accounted: true,
    });
    expect(file.applied.size).toBeGreaterThanOrEqual(39);
    expect(tenantState(sim)).toEqual(file.applied);
  }

  it("pauses on an empty secret and resumes by itself once the right one is in place", async () => {
    const sim = await start();
    let secret = "";
    const { summary, holds } = await runFixedOnHold(
      sim,
      async () => ({ clientId: sim.clientId, clientSecret: secret }),
      () => {
        secret = sim.clientSecret;
      },
      "empty",
    );
    expectAllApplied(sim, summary);
    expect(holds.map((hold) => [hold.problem, hold.status])).toEqual([["credentials", "credentials"]]);
  }, 120_000);

  it("pauses when the secret is rotated under it, and resumes once the new one is read", async () => {
    const sim = await start();
    let secret = sim.clientSecret;
    let rotated = false;
    const { summary, holds } = await runFixedOnHold(
      sim,
      async () => ({ clientId: sim.clientId, clientSecret: secret }),
      () => {
        // ...and puts the new secret where apply reads it once the run says it is paused.
        secret = "rotated-secret";
      },
      "rotated",
      (progress) => {
        // The operator rotates the secret in the tenant after a few users, and revokes the tokens...
        if (rotated || progress.applied < 10) return;
        rotated = true;
        sim.setClientSecret("rotated-secret");
        sim.expireTokens();
      },
    );
    expect(rotated).toBe(true);
    expectAllApplied(sim, summary);
    expect(holds[0]).toMatchObject({ problem: "token-refused", status: "401" });
  }, 120_000);

  it("pauses while the grant lacks update:authentication_methods, and resumes once it is granted", async () => {
    const sim = await start({
      clients: [{ clientId: "app", clientSecret: "app-secret", scopes: ["read:users"] }],
    });
    const { summary, holds } = await runFixedOnHold(
      sim,
      async () => ({ clientId: "app", clientSecret: "app-secret" }),
      () => sim.setClientScopes(DEFAULT_SCOPES),
      "scope",
    );
    expectAllApplied(sim, summary);
    expect(holds[0]).toMatchObject({ problem: "missing-scope", status: "403" });
  }, 120_000);
});
