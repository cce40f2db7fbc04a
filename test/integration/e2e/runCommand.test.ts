import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnownSampleUser } from "../../../lib/local/bundledSimulator.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { runCli, startCli, tenantEnvOf, writeDotEnv } from "../../helpers/cli.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

const E2E_TIMEOUT = 180_000;

/** The bundled sample's known outcome: 120 users, 14 rejected (one of them split over two places), 8 unknown to the simulator. */
const SAMPLE = { users: 120, applied: 98, rejected: 14, failed: 8 };

const SIMULATOR_LINE =
  /^Target: Auth0 simulator at http:\/\/127\.0\.0\.1:\d+ \(the demo never uses a real tenant; 'factor-sync run FILE' with AUTH0_\* set does\)$/;

describe("run and demo, as child processes", () => {
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
    tenantEnv = tenantEnvOf(simulator);
  });
  afterAll(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "runs a file against the tenant of AUTH0_* with --yes, prints only the JSON summary on stdout, and exits 1 when some users were not applied",
    async () => {
      simulator.reset();

      const result = await runCli(["run", "users.csv", "--yes", "--json", "--rps", "500"], tenantEnv, dir);

      expect(result.code).toBe(1);
      expect(result.stderr.split("\n")[0]).toBe(
        `Target: Auth0 tenant ${simulator.url} (from AUTH0_DOMAIN in the environment)`,
      );
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
        rejected: file.rejectedUsers,
        failed: file.refused.size,
        unchanged: 0,
        durationMs: expect.any(Number),
        jobId: expect.stringMatching(/^j-[0-9a-f]{20}$/),
        reportsDir: expect.stringMatching(/^factor-sync-reports\/\d{4}-\d\d-\d\dT[\d-]+Z$/),
      });
      const reportsDir = join(dir, summary.reportsDir);
      expect(await readdir(reportsDir)).toEqual(
        expect.arrayContaining(["users.csv.rejects.csv", "users.csv.failures.csv", "users.csv.summary.json"]),
      );
      // The local copy of the ingest summary names this machine's files, not the emulator's S3 keys.
      expect(JSON.parse(await readFile(join(reportsDir, "users.csv.summary.json"), "utf8"))).toMatchObject({
        source: { file: join(dir, "users.csv") },
        reports: {
          rejects: join(reportsDir, "users.csv.rejects.csv"),
          failures: join(reportsDir, "users.csv.failures.csv"),
          summary: join(reportsDir, "users.csv.summary.json"),
        },
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
            rejected: file.rejectedUsers,
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
      const report = JSON.parse(await readFile(join(reportsDir, "users.csv.result.json"), "utf8"));
      expect(report).toMatchObject({ jobId: summary.jobId, status: "complete-with-failures" });
      const failures = (await readFile(join(reportsDir, "users.csv.failures.csv"), "utf8")).trimEnd();
      expect(failures.split("\r\n")).toHaveLength(1 + file.refused.size);
    },
    E2E_TIMEOUT,
  );

  it("refuses to write to a real tenant without a terminal and without --yes, before anything starts", async () => {
    simulator.reset();

    const result = await runCli(["run", "users.csv", "--json"], tenantEnv, dir);

    const message = `refusing to write to the Auth0 tenant ${simulator.url} without a confirmation, and there is no terminal to ask on: add --yes (or unset AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET to use the bundled simulator)`;
    expect(result).toEqual({
      code: 2,
      stdout: `${JSON.stringify({ error: message, target: simulator.url, file: "users.csv" })}\n`,
      stderr: `error: ${message}\n`,
    });
    expect(simulator.stats.requests).toBe(0);
  });

  it.each([
    ["n", false],
    ["y", true],
  ])(
    "on a terminal, shows the target, the file and its users, and sends only after a yes (answer %j)",
    async (answer, sends) => {
      simulator.reset();

      // A state folder of its own, so the sync state of the other tests sends nothing less.
      const result = await startCli(["run", "users.csv", "--rps", "500", "--state-dir", `state-${answer}`], {
        env: tenantEnv,
        cwd: dir,
        terminalInput: `${answer}\n`,
      }).result;

      const valid = file.applied.size + file.refused.size;
      // A user on several rejected lines is one rejected user (two passes): rejected users are users - valid.
      const shown = result.stdout.replaceAll("\r\n", "\n");
      expect(shown).toContain(
        [
          "This run writes to a real Auth0 tenant:",
          `  target  Auth0 tenant ${simulator.url} (from AUTH0_DOMAIN in the environment)`,
          "  file    users.csv",
          `  users   ${file.users}: ${valid} valid, ${file.rejectedUsers} rejected (not sent)`,
          "Their factors in the tenant are replaced by the file's.",
          `Replace the factors of ${valid} users in ${simulator.url}? [y/N] `,
        ].join("\n"),
      );
      if (sends) {
        expect(result.code).toBe(1);
        expect(tenantState(simulator)).toEqual(file.applied);
      } else {
        expect(result.code).toBe(2);
        expect(shown).toContain("error: not confirmed: nothing was sent\n");
        expect(simulator.stats.requests).toBe(0);
      }
    },
    E2E_TIMEOUT,
  );

  it(
    "names .env as the target's source when AUTH0_* came from it",
    async () => {
      simulator.reset();
      const envDir = join(dir, "with-env");
      await writeDotEnv(envDir, tenantEnv);

      const result = await runCli(["run", "../users.csv", "--yes", "--json", "--rps", "500"], {}, envDir);

      expect(result.stderr.split("\n")[0]).toBe(
        `Target: Auth0 tenant ${simulator.url} (from AUTH0_DOMAIN in .env)`,
      );
      expect(JSON.parse(result.stdout)).toMatchObject({ users: file.users, applied: file.applied.size });
    },
    E2E_TIMEOUT,
  );

  it(
    "npm start with no file runs the demo on the bundled simulator, never the AUTH0_* tenant (environment or .env), in the user's directory",
    async () => {
      simulator.reset();
      const userDir = join(dir, "user-dir");
      await writeDotEnv(userDir, tenantEnv);

      const result = await startCli([], { env: tenantEnv, npmStartFrom: userDir }).result;

      expect(result.stdout.split("\n")[0]).toMatch(SIMULATOR_LINE);
      expect(result.stdout).toContain("\nSummary of samples/sample.csv\n");
      expect(simulator.stats.requests).toBe(0);
      // The sample's rejections and failures are on purpose: a complete run of it succeeds.
      expect(result.code).toBe(0);
      expect(await readdir(join(userDir, "factor-sync-reports"))).toHaveLength(1);
    },
    E2E_TIMEOUT,
  );

  it(
    "demo --json prints the sample's counts",
    async () => {
      simulator.reset();

      const result = await runCli(["demo", "--json", "--rps", "100"], tenantEnv, dir);

      expect(result.stderr.split("\n")[0]).toMatch(SIMULATOR_LINE);
      expect(JSON.parse(result.stdout)).toEqual({
        ...SAMPLE,
        unchanged: 0,
        durationMs: expect.any(Number),
        jobId: expect.stringMatching(/^j-[0-9a-f]{20}$/),
        reportsDir: expect.any(String),
      });
      expect(result.code).toBe(0);
      expect(simulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT,
  );

  it(
    "stops on Ctrl-C, lets the running batches finish, says what was and was not applied, and exits 130",
    async () => {
      simulator.reset();
      // A state folder of its own: the folder of the first test remembers this file as applied (and sends nothing).
      const cli = startCli(
        ["run", path, "--yes", "--json", "--rps", "20", "--state-dir", "state-interrupted"],
        { env: tenantEnv, cwd: dir },
      );
      await cli.waitFor("stderr", "Running ");
      await expect.poll(() => simulator.stats.applied, { timeout: 60_000 }).toBeGreaterThan(20);

      cli.child.kill("SIGINT");
      const result = await cli.result;

      expect(result.code).toBe(130);
      expect(result.stderr).toContain("Stopping: no new batch starts");
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ users: file.users, rejected: file.rejectedUsers, interrupted: true });
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
      const args = ["run", path, "--yes", "--json", "--rps", "500", "--state-dir", "state-again"];
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

      const result = await runCli(["run", path, "--dry-run", "--json"], tenantEnv, dir);

      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({
        users: file.users,
        valid: file.applied.size + file.refused.size,
        rejected: file.rejectedUsers,
        methods: expect.any(Number),
        durationMs: expect.any(Number),
        dryRun: true,
      });
      expect(simulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT,
  );

  it.each([
    [
      ["users.csv", "--rps", "0"],
      {},
      [
        "error: option '--rps <n>' argument '0' is invalid. expected a number above 0.",
        "(run 'factor-sync run --help' for usage)",
      ],
    ],
    [["missing.csv"], {}, ["error: cannot read 'missing.csv': no such file (looked for DIR/missing.csv)"]],
    [
      ["users.csv"],
      { AUTH0_DOMAIN: "tenant.example.com" },
      [
        "error: AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET are not set: set all of AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET for a real tenant, or none of them for the bundled simulator",
      ],
    ],
    [[], {}, ["error: missing required argument 'file'", "(run 'factor-sync run --help' for usage)"]],
  ])(
    "refuses %j (env %j) on stderr alone, before any target starts, and exits 2",
    async (args, env, lines) => {
      const result = await runCli(["run", ...args], env, dir);

      expect(result).toEqual({
        code: 2,
        stdout: "",
        stderr: `${lines.map((line) => line.replace("DIR", dir)).join("\n")}\n`,
      });
    },
  );
});
