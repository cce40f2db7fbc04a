import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DecidedRecord, settleBatch } from "../../../lib/apply/settleBatch.js";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { jobIdFor } from "../../../lib/jobs/jobId.js";
import { toUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { RecordingApplyQueue, sqsRecord, TEST_SOURCE, userFactors } from "../../helpers/applyRecords.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { startJobsTable, type TestJobsTable } from "../../helpers/jobsTable.js";

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
});
