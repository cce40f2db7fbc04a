import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecidedRecord, settleBatch } from "../../../lib/apply/settleBatch.js";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { jobIdFor } from "../../../lib/jobs/jobId.js";
import { startLocalAws } from "../../../lib/local/LocalAws.js";
import { toUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { RecordingApplyQueue, sqsRecord, TEST_SOURCE, userFactors } from "../../helpers/applyRecords.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";
import { getJson, listKeys } from "../../helpers/s3.js";

const AT = "2026-12-01T12:00:00.000Z";
/** The job never finishes in these tests: no report is written. */
const unusedS3 = new S3Client({ region: "us-east-1" });
let jobs: TestJobsTable;
let jobId: string;

beforeAll(async () => {
  jobs = await startJobsTable();
  const source = { ...TEST_SOURCE, sequencer: "0A" };
  jobId = jobIdFor(source);
  await jobs.store.createJob({ id: jobId, source, startedAt: AT });
  await jobs.store.reserveSent(jobId, 4, 1);
});
afterAll(async () => {
  unusedS3.destroy();
  await jobs.stop();
});

/** A job whose ingest sent `users` valid users and finished: `users` pending. */
async function ingestedJob(id: string, source: Parameters<typeof jobIdFor>[0], users: number): Promise<void> {
  await jobs.store.createJob({ id, source, startedAt: AT });
  await jobs.store.markSending(id);
  await jobs.store.reserveSent(id, users, 1);
  const totals = { users, valid: users, rejected: 0, unchanged: 0, sent: users, failedToSend: 0 };
  await jobs.store.finishIngest(id, { ...totals, finishedAt: AT, reports: {} }, users);
}

/** A record of user `n` in the test job, and the user. */
function jobRecord(n: number) {
  const user = userFactors(n);
  const body = JSON.stringify(toUserFactorsMessage(user, { ...TEST_SOURCE, jobId }));
  return { user, record: sqsRecord(body, { messageId: `msg-${n}` }) };
}

function batch(): DecidedRecord[] {
  const phone = jobRecord(2).user.methods.find((method) => method.type === "phone");
  return [
    { record: jobRecord(1).record, decision: { kind: "applied", userId: "auth0|user-1", status: 200 } },
    {
      record: jobRecord(2).record,
      decision: {
        kind: "deadLetter",
        reason: {
          status: "400",
          // Auth0 may echo a value: it must not reach the table.
          message: `Invalid phone_number ${phone?.type === "phone" ? phone.phone_number : ""}`,
          attempts: 1,
          failedAt: AT,
          userId: "auth0|user-2",
        },
      },
    },
    { record: jobRecord(3).record, decision: { kind: "cancelled", userId: "auth0|user-3" } },
    { record: jobRecord(4).record, decision: { kind: "redeliver", cause: "retry", delaySeconds: 10 } },
  ];
}

describe("settleBatch with jobs", () => {
  it("records the batch's outcomes once, before the records may be deleted, without factor values", async () => {
    const { logger } = capturedLogger();
    const result = await settleBatch(batch(), {
      queue: new RecordingApplyQueue(),
      logger,
      emit: () => {},
      jobs: new ApplyJobs({ store: jobs.store, s3: unusedS3, logger }),
      clock: () => Date.parse(AT),
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "msg-4" }]);
    expect(result.counts).toMatchObject({ applied: 1, deadLettered: 1, cancelled: 1, retried: 1 });
    expect(await jobs.store.getJob(jobId)).toMatchObject({ applied: 1, failed: 1, cancelled: 1, pending: 1 });
    expect(await jobs.store.listOutcomes(jobId)).toEqual([
      { userId: "auth0|user-1", outcome: "applied", line: 3, at: AT },
      {
        userId: "auth0|user-2",
        outcome: "failed",
        line: 4,
        at: AT,
        reason: { status: "400", message: "Invalid phone_number [redacted]", attempts: 1, failedAt: AT },
      },
      { userId: "auth0|user-3", outcome: "cancelled", line: 5, at: AT },
    ]);
  });

  it("keeps every record with an outcome when the outcomes cannot be recorded", async () => {
    const { logger, lines } = capturedLogger();
    const broken = new DynamoJobStore({ client: jobs.table.client, tableName: "no-such-table" });
    const result = await settleBatch(batch(), {
      queue: new RecordingApplyQueue(),
      logger,
      emit: () => {},
      jobs: new ApplyJobs({ store: broken, s3: unusedS3, logger }),
    });
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      "msg-1",
      "msg-2",
      "msg-3",
      "msg-4",
    ]);
    expect(lines().map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      "could not record the batch's outcomes in its job; the records are kept for redelivery",
    );
  });

  it("finishes a job, reports and all, when a counted user comes back after its last count was never finished", async () => {
    const aws = await startLocalAws();
    try {
      // Every user counted, then the container stopped before it finished the job: it stays applying.
      const source = { bucket: aws.bucket, key: "incoming/crashed.csv", sequencer: "0B" };
      const id = jobIdFor(source);
      await ingestedJob(id, source, 2);
      await jobs.store.recordOutcomes(id, [
        { userId: "auth0|user-1", outcome: "applied", line: 2, at: AT },
        { userId: "auth0|user-2", outcome: "applied", line: 3, at: AT },
      ]);
      expect(await jobs.store.getJob(id)).toMatchObject({ status: "applying", applied: 2, pending: 0 });

      // The first user's record is delivered again: already counted, not sent, and the job finishes.
      const body = JSON.stringify(
        toUserFactorsMessage(userFactors(1), { bucket: source.bucket, key: source.key, jobId: id }),
      );
      const { logger } = capturedLogger();
      const applyJobs = new ApplyJobs({ store: jobs.store, s3: aws.s3, logger });
      const settle = () =>
        settleBatch(
          [
            {
              record: sqsRecord(body, { messageId: "again-1" }),
              decision: { kind: "counted", userId: "auth0|user-1", outcome: "applied" },
            },
          ],
          { queue: new RecordingApplyQueue(), logger, emit: () => {}, jobs: applyJobs },
        );
      const result = await settle();
      expect(result.batchItemFailures).toEqual([]);
      expect(result.counts).toMatchObject({ alreadyCounted: 1, applied: 0 });
      expect(await jobs.store.getJob(id)).toMatchObject({ status: "complete", applied: 2, pending: 0 });
      expect(await listKeys(aws.s3, aws.bucket, "reports/")).toEqual([
        "reports/crashed.csv.failures.csv",
        "reports/crashed.csv.result.json",
      ]);
      expect(await getJson(aws.s3, aws.bucket, "reports/crashed.csv.result.json")).toMatchObject({
        jobId: id,
        status: "complete",
        counts: { applied: 2, pending: 0 },
      });
      // Once more: finished once, nothing changes.
      await settle();
      expect(await jobs.store.getJob(id)).toMatchObject({ status: "complete", applied: 2 });
    } finally {
      await aws.stop();
    }
  });

  it("writes the reports of a job finished by a writer that stopped before writing them", async () => {
    const aws = await startLocalAws();
    try {
      const source = { bucket: aws.bucket, key: "incoming/unreported.csv", sequencer: "0C" };
      const id = jobIdFor(source);
      await ingestedJob(id, source, 1);
      await jobs.store.recordOutcomes(id, [{ userId: "auth0|user-1", outcome: "applied", line: 2, at: AT }]);
      // Finished (the one conditional update), then the writer stopped: no report.
      expect(await jobs.store.finish(id, AT)).toMatchObject({ status: "complete" });
      expect(await listKeys(aws.s3, aws.bucket, "reports/")).toEqual([]);

      const body = JSON.stringify(
        toUserFactorsMessage(userFactors(1), { bucket: source.bucket, key: source.key, jobId: id }),
      );
      const { logger } = capturedLogger();
      await settleBatch(
        [
          {
            record: sqsRecord(body, { messageId: "again-1" }),
            decision: { kind: "counted", userId: "auth0|user-1", outcome: "applied" },
          },
        ],
        {
          queue: new RecordingApplyQueue(),
          logger,
          emit: () => {},
          jobs: new ApplyJobs({ store: jobs.store, s3: aws.s3, logger }),
        },
      );
      expect(await listKeys(aws.s3, aws.bucket, "reports/")).toEqual([
        "reports/unreported.csv.failures.csv",
        "reports/unreported.csv.result.json",
      ]);
      expect((await jobs.store.getJob(id))?.reports).toEqual({
        result: "reports/unreported.csv.result.json",
        failures: "reports/unreported.csv.failures.csv",
      });
    } finally {
      await aws.stop();
    }
  });

  it("keeps the last records when their job cannot be finished, and finishes it on their redelivery", async () => {
    const aws = await startLocalAws();
    try {
      // The reports' bucket does not exist yet: the completion report cannot be written.
      const source = { bucket: "created-later", key: "incoming/late.csv", sequencer: "0D" };
      const id = jobIdFor(source);
      await ingestedJob(id, source, 1);
      const body = JSON.stringify(
        toUserFactorsMessage(userFactors(1), { bucket: source.bucket, key: source.key, jobId: id }),
      );
      const { logger } = capturedLogger();
      const deps = {
        queue: new RecordingApplyQueue(),
        logger,
        emit: () => {},
        jobs: new ApplyJobs({ store: jobs.store, s3: aws.s3, logger }),
      };
      const first = await settleBatch(
        [
          {
            record: sqsRecord(body, { messageId: "last-1" }),
            decision: { kind: "applied", userId: "auth0|user-1", status: 200 },
          },
        ],
        deps,
      );
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: "last-1" }]);
      expect(await jobs.store.getJob(id)).toMatchObject({ status: "complete", applied: 1, reports: {} });

      await aws.createBucket("created-later");
      const again = await settleBatch(
        [
          {
            record: sqsRecord(body, { messageId: "last-1" }),
            decision: { kind: "counted", userId: "auth0|user-1", outcome: "applied" },
          },
        ],
        deps,
      );
      expect(again.batchItemFailures).toEqual([]);
      expect(await jobs.store.getJob(id)).toMatchObject({
        status: "complete",
        applied: 1,
        reports: { result: "reports/late.csv.result.json", failures: "reports/late.csv.failures.csv" },
      });
      expect(await listKeys(aws.s3, "created-later", "reports/")).toEqual([
        "reports/late.csv.failures.csv",
        "reports/late.csv.result.json",
      ]);
    } finally {
      await aws.stop();
    }
  });
});
