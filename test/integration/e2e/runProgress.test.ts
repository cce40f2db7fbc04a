import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { runCli, startCli, tenantEnvOf } from "../../helpers/cli.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

const E2E_TIMEOUT = 180_000;

describe("the progress of run, as a child process", () => {
  let dir: string;
  let tenant: Auth0Simulator;
  let tenantEnv: Record<string, string>;
  let file: GeneratedUsers;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-progress-"));
    file = generateUsersCsv({ users: 30, seed: 5, invalidEvery: 1000, missingEvery: 1000 });
    await writeFile(join(dir, "users.csv"), file.csv);
    // A tenant far slower than the --rps the run is given: its headers must say so.
    tenant = await startAuth0Simulator({ rps: 4, burst: 20 });
    tenantEnv = tenantEnvOf(tenant);
  });
  afterAll(async () => {
    await tenant.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "says when the tenant's rate limit is below --rps, and keeps every log line within 80 columns",
    async () => {
      tenant.reset();

      const result = await runCli(["run", "users.csv", "--yes", "--rps", "50"], tenantEnv, dir);

      // The generator always writes a few invalid users: exit 1.
      expect(result.code).toBe(1);
      const lines = result.stdout.split("\n");
      const note = lines.filter((line) => line.startsWith("Note: "));
      expect(note).toHaveLength(1);
      expect(note[0]).toMatch(
        /^Note: the tenant's x-ratelimit-\* headers show its rate limit refills about [\d.]+ requests\/s \(bucket of 20\), below --rps 50: this run goes at the tenant's pace\.$/,
      );
      const progress = lines.filter((line) => line.startsWith("["));
      expect(progress.length).toBeGreaterThan(0);
      for (const line of progress) expect(line.length).toBeLessThanOrEqual(80);
      expect(progress.at(-1)).toMatch(new RegExp(`^\\[[^\\]]+\\] \\d+/${file.users} users, applied \\d+`));
    },
    E2E_TIMEOUT,
  );

  it(
    "redraws one line in place on a terminal, within 80 columns, and clears it before the summary",
    async () => {
      tenant.reset();

      const result = await startCli(["run", "users.csv", "--yes", "--rps", "50"], {
        env: tenantEnv,
        cwd: dir,
        terminalInput: "",
      }).result;

      // The generator always writes a few invalid users: exit 1.
      expect(result.code).toBe(1);
      const drawn = result.stdout
        .split(/\r(?!\n)/)
        .map((part) => part.replace("\x1b[K", ""))
        .filter((part) => part.includes(`/${file.users} users`));
      expect(drawn.length).toBeGreaterThan(0);
      for (const line of drawn) expect([...line].length).toBeLessThan(80);
      expect(result.stdout.replaceAll("\r\n", "\n")).toContain("\r\x1b[K\nSummary of users.csv\n");
    },
    E2E_TIMEOUT,
  );
});
