import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import type { JobStore } from "../../../lib/jobs/JobStore.js";
import { jobIdFor } from "../../../lib/jobs/jobId.js";
import { openLocalJobsTable } from "../../../lib/local/LocalAws.js";
import { runCli } from "../../helpers/cli.js";

const START = "2026-12-01T10:00:00.000Z";
const LATER = "2026-12-01T11:00:00.000Z";

/** Two jobs: an older one complete with a failure, a newer one still applying. */
async function seed(store: JobStore): Promise<{ done: string; running: string }> {
  const doneSource = { bucket: "factor-sync-local", key: "incoming/done.csv", versionId: "v1" };
  const runningSource = { bucket: "factor-sync-local", key: "incoming/running.csv", sequencer: "0A1B" };
  const done = jobIdFor(doneSource);
  const running = jobIdFor(runningSource);
  await store.createJob({ id: done, source: doneSource, startedAt: START });
  await store.createJob({ id: running, source: runningSource, startedAt: LATER });
  for (const [id, sent] of [
    [done, 2],
    [running, 3],
  ] as const) {
    await store.markSending(id);
    await store.reserveSent(id, sent, 1);
    await store.finishIngest(
      id,
      {
        users: sent + 1,
        valid: sent,
        rejected: 1,
        unchanged: 0,
        sent,
        failedToSend: 0,
        finishedAt: START,
        reports: {},
      },
      sent,
    );
  }
  await store.recordOutcomes(done, [
    { userId: "auth0|1", outcome: "applied", at: START },
    {
      userId: "auth0|2",
      outcome: "failed",
      at: START,
      reason: { status: "404", message: "no", attempts: 1, failedAt: START },
    },
  ]);
  await store.finish(done, "2026-12-01T10:05:00.000Z");
  await store.recordOutcomes(running, [{ userId: "auth0|3", outcome: "applied", at: LATER }]);
  return { done, running };
}

const counts = (users: number, applied: number, failed: number, pending: number) => ({
  users,
  valid: users - 1,
  rejected: 1,
  unchanged: 0,
  sent: users - 1,
  failedToSend: 0,
  applied,
  failed,
  superseded: 0,
  cancelled: 0,
  pending,
});

describe("jobs, status and cancel on the local state folder", () => {
  let stateDir: string;
  let ids: { done: string; running: string };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "factor-sync-cli-state-"));
    const table = await openLocalJobsTable(stateDir, { shared: false });
    ids = await seed(new DynamoJobStore({ client: table.client, tableName: table.tableName }));
    await table.stop();
  });
  afterAll(() => rm(stateDir, { recursive: true, force: true }));

  it("jobs --json lists every job newest first, as design.md specifies", async () => {
    const result = await runCli(["jobs", "--json", "--state-dir", stateDir]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      jobs: [
        {
          id: ids.running,
          source: { bucket: "factor-sync-local", key: "incoming/running.csv" },
          status: "applying",
          ...counts(4, 1, 0, 2),
          startedAt: LATER,
          ingestInvocations: 1,
        },
        {
          id: ids.done,
          source: { bucket: "factor-sync-local", key: "incoming/done.csv", versionId: "v1" },
          status: "complete-with-failures",
          ...counts(3, 1, 1, 0),
          startedAt: START,
          finishedAt: "2026-12-01T10:05:00.000Z",
          ingestInvocations: 1,
        },
      ],
    });
  });

  it("status finds a job by id or by its file, and says the counts as equations", async () => {
    const byId = await runCli(["status", ids.done, "--json", "--state-dir", stateDir]);
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ id: ids.done, status: "complete-with-failures" });
    const byKey = await runCli(["status", "running.csv", "--state-dir", stateDir]);
    expect(byKey.code).toBe(0);
    expect(byKey.stdout).toContain(`Job ${ids.running}: applying`);
    expect(byKey.stdout).toContain(
      "sent      3 = 1 applied + 0 failed + 0 superseded + 0 cancelled + 2 pending",
    );
  });

  it("status --watch of a finished job prints it once and ends", async () => {
    const result = await runCli(["status", ids.done, "--watch", "--json", "--state-dir", stateDir]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      id: ids.done,
      status: "complete-with-failures",
      pending: 0,
    });
  });

  it("an unknown job is a one-line error with exit 2", async () => {
    const result = await runCli(["status", "j-00000000000000000000", "--state-dir", stateDir]);
    expect(result).toEqual({ code: 2, stdout: "", stderr: "error: no job j-00000000000000000000\n" });
    const cancel = await runCli(["cancel", "nothing.csv", "--state-dir", stateDir]);
    expect(cancel).toEqual({ code: 2, stdout: "", stderr: "error: no job nothing.csv\n" });
  });

  it("cancel cancels an open job once; a finished job cannot be cancelled", async () => {
    const result = await runCli(["cancel", ids.running, "--state-dir", stateDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Cancelled ${ids.running}: 1 applied; 2 pending will be dropped without calling Auth0.\n`,
    );
    const status = await runCli(["status", ids.running, "--json", "--state-dir", stateDir]);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "cancelled", pending: 2 });
    const finished = await runCli(["cancel", ids.done, "--state-dir", stateDir]);
    expect(finished).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: job ${ids.done} is complete-with-failures: cannot cancel\n`,
    });
  });

  it("an empty state folder has no jobs", async () => {
    const empty = await mkdtemp(join(tmpdir(), "factor-sync-cli-empty-"));
    try {
      const result = await runCli(["jobs", "--json", "--state-dir", empty]);
      expect(result).toEqual({ code: 0, stdout: '{"jobs":[]}\n', stderr: "" });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe("jobs and status while a run holds the state folder, and on a deployed table", () => {
  it("reads the table the running process serves", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "factor-sync-cli-shared-"));
    const table = await openLocalJobsTable(stateDir, { shared: false });
    try {
      const store = new DynamoJobStore({ client: table.client, tableName: table.tableName });
      const ids = await seed(store);
      const result = await runCli(["status", ids.running, "--json", "--state-dir", stateDir]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ id: ids.running, applied: 1, pending: 2 });
      // The child cancelled through this process's dynalite: the store here sees it at once.
      expect((await runCli(["cancel", ids.running, "--state-dir", stateDir])).code).toBe(0);
      expect((await store.getJob(ids.running))?.status).toBe("cancelled");
    } finally {
      await table.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it("--table NAME --region R reads a deployed table", async () => {
    const table = await openLocalJobsTable(undefined, { shared: false });
    try {
      const ids = await seed(new DynamoJobStore({ client: table.client, tableName: table.tableName }));
      const result = await runCli(
        [
          "jobs",
          "--json",
          "--table",
          table.tableName,
          "--region",
          "eu-west-1",
          "--endpoint-url",
          table.endpoint,
        ],
        { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" },
      );
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as { jobs: { id: string }[] }).jobs.map((job) => job.id)).toEqual([
        ids.running,
        ids.done,
      ]);
    } finally {
      await table.stop();
    }
  });
});
