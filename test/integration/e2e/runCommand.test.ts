import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnownSampleUser } from "../../../lib/local/bundledSimulator.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { runCli, startCli } from "../../helpers/cli.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

const E2E_TIMEOUT = 180_000;

/** The bundled sample's known outcome: 123 users, 16 invalid, 8 unknown to the simulator. */
const SAMPLE = { users: 123, applied: 99, rejected: 16, failed: 8 };

describe("run, as a child process", () => {
  let dir: string;
  let simulator: Auth0Simulator;
  let file: GeneratedUsers;
  let path: string;
  let tenantEnv: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "e2e-cli-"));
    file = generateUsersCsv({ users: 500, seed: 3 });
    path = join(dir, "users.csv");
    await writeFile(path, file.csv);
    simulator = await startAuth0Simulator({
      rps: 1000,
      burst: 200,
      latencyMs: [0, 2],
      knownUsers: isKnownSampleUser,
    });
    tenantEnv = {
      AUTH0_DOMAIN: simulator.url,
      AUTH0_CLIENT_ID: simulator.clientId,
      AUTH0_CLIENT_SECRET: simulator.clientSecret,
    };
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "runs a file against the tenant of AUTH0_*, prints only the JSON summary on stdout, and exits 1 when some users were not applied",
    async () => {
      simulator.reset();

      const result = await runCli([path, "--json", "--rps", "500"], tenantEnv, dir);

      expect(result.code).toBe(1);
      expect(result.stderr.split("\n")[0]).toBe(`Target: Auth0 tenant ${simulator.url} (from AUTH0_DOMAIN)`);
      const lines = result.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      const summary = JSON.parse(lines[0] ?? "");
      expect(Object.keys(summary)).toEqual([
        "users",
        "applied",
        "rejected",
        "failed",
        "unchanged",
        "durationMs",
        "jobId",
        "reportsDir",
      ]);
      expect(summary).toEqual({
        users: file.users,
        applied: file.applied.size,
        rejected: file.rejected.size,
        failed: file.refused.size,
        unchanged: 0,
        durationMs: expect.any(Number),
        jobId: expect.stringMatching(/^j-[0-9a-f]{20}$/),
        reportsDir: expect.stringContaining(join(dir, "factor-sync-reports")),
      });
      expect(tenantState(simulator)).toEqual(file.applied);

      // The run's job, in the state folder of the directory it ran in, with the run's counts.
      const jobs = await runCli(["jobs", "--json"], {}, dir);
      expect(jobs.code).toBe(0);
      const valid = file.applied.size + file.refused.size;
      expect(JSON.parse(jobs.stdout)).toEqual({
        jobs: [
          {
            id: summary.jobId,
            source: { bucket: "factor-sync-local", key: "incoming/users.csv" },
            status: "complete-with-failures",
            users: file.users,
            valid,
            rejected: file.rejected.size,
            unchanged: 0,
            sent: valid,
            failedToSend: 0,
            applied: file.applied.size,
            failed: file.refused.size,
            superseded: 0,
            cancelled: 0,
            pending: 0,
            startedAt: expect.any(String),
            finishedAt: expect.any(String),
            ingestInvocations: 1,
          },
        ],
      });
      const report = JSON.parse(await readFile(join(summary.reportsDir, "users.csv.result.json"), "utf8"));
      expect(report).toMatchObject({ jobId: summary.jobId, status: "complete-with-failures" });
      const failures = (await readFile(join(summary.reportsDir, "users.csv.failures.csv"), "utf8")).trimEnd();
      expect(failures.split("\n")).toHaveLength(1 + file.refused.size);
    },
    E2E_TIMEOUT,
  );

  it(
    "runs the bundled sample against the bundled simulator when no file and no tenant are given, and says so first",
    async () => {
      const result = await runCli(["--json", "--rps", "100"], {}, dir);

      expect(result.stderr.split("\n")[0]).toMatch(
        /^Target: Auth0 simulator at http:\/\/127\.0\.0\.1:\d+ \(set AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET to use a real tenant\)$/,
      );
      expect(JSON.parse(result.stdout)).toEqual({
        ...SAMPLE,
        unchanged: 0,
        durationMs: expect.any(Number),
        jobId: expect.stringMatching(/^j-[0-9a-f]{20}$/),
        reportsDir: expect.any(String),
      });
      // The sample's rejections and failures are on purpose: a complete run of it succeeds.
      expect(result.code).toBe(0);
    },
    E2E_TIMEOUT,
  );

  it(
    "stops on Ctrl-C, lets the running batches finish, says what was and was not applied, and exits 130",
    async () => {
      simulator.reset();
      // A state folder of its own: the folder of the first test remembers this file as applied (and sends nothing).
      const cli = startCli([path, "--json", "--rps", "20", "--state-dir", "state-interrupted"], {
        env: tenantEnv,
        cwd: dir,
      });
      await cli.waitFor("stderr", "Running ");
      await expect.poll(() => simulator.stats.applied, { timeout: 60_000 }).toBeGreaterThan(20);

      cli.child.kill("SIGINT");
      const result = await cli.result;

      expect(result.code).toBe(130);
      expect(result.stderr).toContain("Stopping: no new batch starts");
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ users: file.users, rejected: file.rejected.size, interrupted: true });
      expect(summary.pending).toBeGreaterThan(0);
      expect(summary.applied + summary.rejected + summary.failed + summary.pending).toBe(file.users);
      expect(simulator.allMethods().size).toBe(summary.applied);
    },
    E2E_TIMEOUT,
  );

  it(
    "runs the same file again sending nothing, says so before it starts, and sends everyone with --full",
    async () => {
      simulator.reset();
      const args = [path, "--json", "--rps", "500", "--state-dir", "state-again"];
      const first = JSON.parse((await runCli(args, tenantEnv, dir)).stdout);
      expect(first).toMatchObject({ applied: file.applied.size, unchanged: 0 });
      const puts = simulator.stats.puts;

      const again = await runCli(args, tenantEnv, dir);
      const valid = file.applied.size + file.refused.size;
      // Users Auth0 refused (404) were never applied: they are sent again.
      expect(again.stderr).toContain(
        `${file.applied.size} of ${valid} users already applied with these factors; ${file.refused.size} to send (--full sends all)`,
      );
      expect(JSON.parse(again.stdout)).toMatchObject({
        users: file.users,
        applied: 0,
        unchanged: file.applied.size,
        failed: file.refused.size,
      });
      expect(simulator.stats.puts - puts).toBe(file.refused.size);

      const full = JSON.parse((await runCli([...args, "--full"], tenantEnv, dir)).stdout);
      expect(full).toMatchObject({ applied: file.applied.size, unchanged: 0 });
      expect(simulator.stats.puts - puts).toBe(file.refused.size + valid);
    },
    E2E_TIMEOUT,
  );

  it(
    "counts a file without sending anything on --dry-run",
    async () => {
      simulator.reset();

      const result = await runCli([path, "--dry-run", "--json"], tenantEnv, dir);

      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({
        users: file.users,
        valid: file.applied.size + file.refused.size,
        rejected: file.rejected.size,
        methods: expect.any(Number),
        durationMs: expect.any(Number),
        dryRun: true,
      });
      expect(simulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT,
  );

  it.each([
    [["--rps", "0"], {}, "error: option '--rps <n>' argument '0' is invalid. expected a number above 0."],
    [["missing.csv"], {}, "error: cannot read missing.csv: ENOENT"],
    [
      [],
      { AUTH0_DOMAIN: "tenant.example.com" },
      "error: AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET are not set: set all of AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET for a real tenant, or none of them for the bundled simulator",
    ],
  ])("refuses %j (env %j) with one line on stderr and exit 2", async (args, env, message) => {
    const result = await runCli(["run", ...args], env, dir);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${message}\n`);
  });
});
