import { DynamoDBClient, ScanCommand, type UpdateItemCommandInput } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { JobStatusError } from "../../../lib/jobs/errors.js";
import { jobIdFor } from "../../../lib/jobs/jobId.js";
import type { Job, UserOutcomeRecord } from "../../../lib/jobs/types.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";

const AT = "2026-12-01T12:00:00.000Z";
let jobs: TestJobsTable;
let counter = 0;

beforeAll(async () => {
  jobs = await startJobsTable({ clock: () => Date.parse(AT) });
});
afterAll(() => jobs.stop());

/** A new job with `sent` users reserved and ingest finished: `sent` pending. */
async function jobWithPending(sent: number, store = jobs.store): Promise<Job> {
  counter += 1;
  const source = { bucket: "b", key: `incoming/f${counter}.csv`, sequencer: `00${counter}` };
  const id = jobIdFor(source);
  await store.createJob({ id, source, startedAt: AT });
  await store.markSending(id);
  await store.reserveSent(id, sent + 3, 1);
  return store.finishIngest(
    id,
    {
      users: sent + 1,
      valid: sent,
      rejected: 1,
      unchanged: 0,
      sent,
      failedToSend: 0,
      finishedAt: AT,
      reports: {},
    },
    sent + 3,
  );
}

const applied = (userId: string): UserOutcomeRecord => ({ userId, outcome: "applied", line: 2, at: AT });
const failed = (userId: string): UserOutcomeRecord => ({
  userId,
  outcome: "failed",
  line: 3,
  at: AT,
  reason: {
    status: "404",
    errorCode: "inexistent_user",
    message: "The user does not exist.",
    attempts: 1,
    failedAt: AT,
  },
});

/** A client on the same dynalite that throws (a crash) on the first commit of a batch's counts. */
function crashingClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: jobs.table.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  let crashed = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Partial<UpdateItemCommandInput>;
      if (
        !crashed &&
        input.UpdateExpression?.includes("#committed :tokens") &&
        input.UpdateExpression.startsWith("ADD")
      ) {
        crashed = true;
        throw new Error("the function crashed");
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return client;
}

/**
 * A client on the same dynalite whose first answer to each kind of write is lost after the write was done (a
 * timeout): the SDK sends the call again, as it does on AWS.
 */
function lossyClient(): { client: DynamoDBClient; lost: Set<string> } {
  const client = new DynamoDBClient({
    endpoint: jobs.table.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 3,
  });
  const lost = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as Partial<UpdateItemCommandInput>;
      const kind = `${context.commandName}:${input.UpdateExpression?.slice(0, 12) ?? ""}`;
      if (context.commandName !== "GetItemCommand" && !lost.has(kind)) {
        lost.add(kind);
        throw Object.assign(new Error("the answer was lost"), { name: "TimeoutError" });
      }
      return result;
    },
    { step: "deserialize" },
  );
  return { client, lost };
}

describe("DynamoJobStore", () => {
  it("counts once when the SDK sends a write again after its answer was lost", async () => {
    const lossy = lossyClient();
    const store = new DynamoJobStore({ client: lossy.client, tableName: jobs.table.tableName });
    const source = { bucket: "b", key: "incoming/lossy.csv", sequencer: "0F" };
    const id = jobIdFor(source);
    expect((await store.createJob({ id, source, startedAt: AT })).created).toBe(true);
    await store.markSending(id);
    await store.reserveSent(id, 5, 1);
    await store.reserveSent(id, 5, 2);
    await store.finishIngest(
      id,
      {
        users: 4,
        valid: 4,
        rejected: 0,
        unchanged: 0,
        sent: 4,
        failedToSend: 0,
        finishedAt: AT,
        reports: {},
      },
      10,
    );
    const recorded = await store.recordOutcomes(id, [applied("l1"), applied("l2"), failed("l3")]);
    expect(recorded.changed.sort()).toEqual(["l1", "l2", "l3"]);
    await store.recordOutcomes(id, [applied("l4")]);
    const finished = await store.finish(id, AT);
    expect(finished).toMatchObject({
      status: "complete-with-failures",
      sent: 4,
      applied: 3,
      failed: 1,
      pending: 0,
    });
    expect(countProblems(finished as Job, "complete-with-failures")).toEqual([]);
    // Every kind of write lost one answer: creating, reserving, finishing ingest, outcomes, commits, finishing.
    expect(lossy.lost.size).toBeGreaterThanOrEqual(7);
  });

  it("creates a job once: the same upload again finds it", async () => {
    const source = { bucket: "b", key: "incoming/users.csv", versionId: "v1" };
    const id = jobIdFor(source);
    const first = await jobs.store.createJob({ id, source, startedAt: AT, rpsCeiling: 16 });
    const again = await jobs.store.createJob({ id, source, startedAt: "2026-12-01T13:00:00.000Z" });
    expect(first.created).toBe(true);
    expect(again).toEqual({ created: false, job: first.job });
    expect(first.job).toMatchObject({
      id,
      source,
      status: "validating",
      startedAt: AT,
      ingestInvocations: 1,
      rpsCeiling: 16,
    });
    expect(jobIdFor({ ...source, versionId: "v2" })).not.toBe(id);
  });

  it("gives back reserved users that were not sent, and counts the unsent as failedToSend", async () => {
    const source = { bucket: "b", key: "incoming/reserve.csv", sequencer: "01" };
    const id = jobIdFor(source);
    await jobs.store.createJob({ id, source, startedAt: AT });
    expect(await jobs.store.markSending(id)).toBe(true);
    expect(await jobs.store.reserveSent(id, 1000, 1)).toBe("sending");
    const job = await jobs.store.finishIngest(
      id,
      {
        users: 10,
        valid: 8,
        rejected: 2,
        unchanged: 0,
        sent: 6,
        failedToSend: 2,
        finishedAt: AT,
        reports: { rejects: "r" },
      },
      1000,
    );
    expect(job).toMatchObject({
      status: "applying",
      users: 10,
      valid: 8,
      rejected: 2,
      sent: 6,
      failedToSend: 2,
      pending: 6,
    });
    expect(countProblems(job)).toEqual([]);
    expect(job.reports).toEqual({ rejects: "r" });
  });

  it("counts a redelivered batch once and moves a failed user to applied", async () => {
    const job = await jobWithPending(3);
    const first = await jobs.store.recordOutcomes(job.id, [applied("auth0|a"), failed("auth0|b")]);
    expect(first.changed.sort()).toEqual(["auth0|a", "auth0|b"]);
    const again = await jobs.store.recordOutcomes(job.id, [applied("auth0|a"), failed("auth0|b")]);
    expect(again).toMatchObject({ changed: [], unchanged: ["auth0|a", "auth0|b"] });
    expect(again.job).toMatchObject({ applied: 1, failed: 1, pending: 1 });
    // A failed user redriven, then applied; an applied user cannot become failed.
    const redriven = await jobs.store.recordOutcomes(job.id, [
      applied("auth0|b"),
      failed("auth0|a"),
      applied("auth0|c"),
    ]);
    expect(redriven.changed.sort()).toEqual(["auth0|b", "auth0|c"]);
    expect(redriven.job).toMatchObject({ applied: 3, failed: 0, pending: 0 });
    expect(countProblems(redriven.job as Job)).toEqual([]);
    expect(await jobs.store.getOutcomes(job.id, ["auth0|a", "auth0|b", "auth0|x"])).toEqual(
      new Map([
        ["auth0|a", "applied"],
        ["auth0|b", "applied"],
      ]),
    );
  });

  it("counts a user once when a crash came between its outcome and the batch's counts", async () => {
    const job = await jobWithPending(2);
    const crashing = new DynamoJobStore({ client: crashingClient(), tableName: jobs.table.tableName });
    await expect(crashing.recordOutcomes(job.id, [applied("u1"), applied("u2")])).rejects.toThrow("crashed");
    // The records come back (they were never deleted), one at a time, to other containers.
    const one = await jobs.store.recordOutcomes(job.id, [applied("u1")]);
    expect(one.changed).toEqual(["u1"]);
    expect(one.job).toMatchObject({ applied: 1, pending: 1 });
    const two = await jobs.store.recordOutcomes(job.id, [applied("u2"), applied("u1")]);
    expect(two.changed).toEqual(["u2"]);
    expect(two.job).toMatchObject({ applied: 2, pending: 0 });
    const listed = await jobs.store.listOutcomes(job.id);
    expect(listed.map((record) => [record.userId, record.outcome])).toEqual([
      ["u1", "applied"],
      ["u2", "applied"],
    ]);
  });

  it("counts each user once when many batches record the same users at once", async () => {
    const job = await jobWithPending(20);
    const users = Array.from({ length: 20 }, (_, index) => `auth0|${index}`);
    const batches = Array.from({ length: 8 }, (_, copy) =>
      users.filter((_, index) => (index + copy) % 3 !== 0).map((userId) => applied(userId)),
    );
    const results = await Promise.all(batches.map((batch) => jobs.store.recordOutcomes(job.id, batch)));
    const changed = results.flatMap((result) => result.changed).sort();
    expect(changed).toEqual([...users].sort());
    const after = await jobs.store.getJob(job.id);
    expect(after).toMatchObject({ applied: 20, pending: 0 });
  });

  it("lets exactly one of many callers finish the job, and writes failed jobs as complete-with-failures", async () => {
    const job = await jobWithPending(2);
    await jobs.store.recordOutcomes(job.id, [applied("x"), failed("y")]);
    const finishers = await Promise.all(Array.from({ length: 6 }, () => jobs.store.finish(job.id, AT)));
    const winners = finishers.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({
      status: "complete-with-failures",
      finishedAt: AT,
      applied: 1,
      failed: 1,
    });
    expect(await jobs.store.finish(job.id, AT)).toBeUndefined();
    // The failed user redriven and applied: the job becomes complete, and one caller rewrites its reports.
    await jobs.store.recordOutcomes(job.id, [applied("y")]);
    const again = await Promise.all([jobs.store.finish(job.id, AT), jobs.store.finish(job.id, AT)]);
    expect(again.filter((result) => result !== undefined).map((result) => result?.status)).toEqual([
      "complete",
    ]);
  });

  it("does not finish while ingest runs or users are pending", async () => {
    const job = await jobWithPending(1);
    expect(await jobs.store.finish(job.id, AT)).toBeUndefined();
    const source = { bucket: "b", key: "incoming/running.csv", sequencer: "99" };
    const id = jobIdFor(source);
    await jobs.store.createJob({ id, source, startedAt: AT });
    expect(await jobs.store.finish(id, AT)).toBeUndefined();
  });

  it("cancels an open job once; a cancelled job ends when its last record is dropped", async () => {
    const job = await jobWithPending(3);
    await jobs.store.recordOutcomes(job.id, [applied("p")]);
    expect(await jobs.store.cancel(job.id)).toMatchObject({ status: "cancelled", applied: 1, pending: 2 });
    expect((await jobs.store.cancel(job.id)).status).toBe("cancelled");
    expect(await jobs.store.finish(job.id, AT)).toBeUndefined();
    await jobs.store.recordOutcomes(job.id, [{ userId: "q", outcome: "cancelled", at: AT }]);
    // Another delivery of q was in flight when the job was cancelled, and applied it: q is applied.
    const inFlight = await jobs.store.recordOutcomes(job.id, [applied("q")]);
    expect(inFlight.job).toMatchObject({ applied: 2, cancelled: 0, pending: 1 });
    await jobs.store.recordOutcomes(job.id, [{ userId: "r", outcome: "cancelled", at: AT }]);
    const done = await jobs.store.finish(job.id, AT);
    expect(done).toMatchObject({ status: "cancelled", finishedAt: AT, applied: 2, cancelled: 1, pending: 0 });
    expect(countProblems(done as Job, "cancelled")).toEqual([]);
    await expect(jobs.store.cancel(job.id)).rejects.toBeInstanceOf(JobStatusError);
  });

  it("pauses with a reason and resumes where it was", async () => {
    const job = await jobWithPending(1);
    expect(await jobs.store.pause(job.id, "the token endpoint refused the client (401)")).toMatchObject({
      status: "paused",
      reason: "the token endpoint refused the client (401)",
    });
    const resumed = await jobs.store.resume(job.id);
    expect(resumed.status).toBe("applying");
    expect(resumed.reason).toBeUndefined();
  });

  it("pauses a sending job, which resumes as applying once ingest has finished meanwhile", async () => {
    counter += 1;
    const source = { bucket: "b", key: `incoming/p${counter}.csv`, sequencer: `01${counter}` };
    const id = jobIdFor(source);
    await jobs.store.createJob({ id, source, startedAt: AT });
    await jobs.store.markSending(id);
    await jobs.store.reserveSent(id, 5, 1);
    expect(await jobs.store.pause(id, "why")).toMatchObject({ status: "paused", reason: "why", pending: 5 });
    const totals = { users: 3, valid: 3, rejected: 0, unchanged: 0, sent: 3, failedToSend: 0 };
    const finished = await jobs.store.finishIngest(id, { ...totals, finishedAt: AT, reports: {} }, 5);
    expect(finished).toMatchObject({
      status: "paused",
      reason: "why",
      sent: 3,
      pending: 3,
      ingestFinishedAt: AT,
    });
    const resumed = await jobs.store.resume(id);
    expect(resumed).toMatchObject({ status: "applying", pending: 3 });
    expect(resumed.reason).toBeUndefined();
    await expect(jobs.store.resume(id)).rejects.toBeInstanceOf(JobStatusError);
  });

  it("pauses only a job with users pending, and completes a paused job once nothing is pending", async () => {
    const job = await jobWithPending(2);
    await jobs.store.recordOutcomes(job.id, [applied("a")]);
    await jobs.store.pause(job.id, "configuration error: x");
    // The last user is counted while the job is paused (its pause landed a moment before): it still completes.
    const last = await jobs.store.recordOutcomes(job.id, [failed("b")]);
    expect(last.job).toMatchObject({ status: "paused", pending: 0 });
    const done = await jobs.store.finish(job.id, AT);
    expect(done).toMatchObject({ status: "complete-with-failures", applied: 1, failed: 1, pending: 0 });
    expect(done?.reason).toBeUndefined();
    expect(await jobs.store.finish(job.id, AT)).toBeUndefined();
    await expect(jobs.store.pause(job.id, "late")).rejects.toBeInstanceOf(JobStatusError);

    const settled = await jobWithPending(1);
    await jobs.store.recordOutcomes(settled.id, [applied("c")]);
    // Nothing pending: a late pause (its records were applied by another container) is refused.
    await expect(jobs.store.pause(settled.id, "late")).rejects.toBeInstanceOf(JobStatusError);
    expect((await jobs.store.getJob(settled.id))?.status).toBe("applying");
  });

  it("cancels a paused job without its pause reason", async () => {
    const job = await jobWithPending(1);
    await jobs.store.pause(job.id, "configuration error: x");
    const cancelled = await jobs.store.cancel(job.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.reason).toBeUndefined();
  });

  it("lists jobs newest first and keeps an outcome for 30 days", async () => {
    const listed = await jobs.store.listJobs();
    expect(listed.length).toBeGreaterThan(3);
    const starts = listed.map((job) => job.startedAt);
    expect(starts).toEqual([...starts].sort().reverse());
    const scan = await jobs.table.client.send(new ScanCommand({ TableName: jobs.table.tableName }));
    const outcome = scan.Items?.find((item) => item.sk?.S === "USER#u1");
    expect(Number(outcome?.expiresAt?.N)).toBe(Date.parse(AT) / 1000 + 30 * 86_400);
    expect(outcome?.txn).toBeUndefined();
  });
});
