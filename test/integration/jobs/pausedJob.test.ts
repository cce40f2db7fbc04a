import { randomUUID } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { type ApplyHandler, createApplyHandler } from "../../../lib/apply/createApplyHandler.js";
import { createIngestHandler } from "../../../lib/ingest/createIngestHandler.js";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import type { Job } from "../../../lib/jobs/types.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import { objectCreatedEvent } from "../../../lib/local/objectCreatedEvent.js";
import { toSqsRecord } from "../../../lib/local/sqsRecord.js";
import { silentLogger } from "../../../lib/logging/Logger.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { tenantState } from "../../helpers/tenantState.js";
import { generateUsersCsv } from "../../helpers/usersFile.js";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/**
 * Receives exactly `count` records of the work queue (held records come back after their 1 s delay), as the
 * event source would hand them to one invocation.
 */
async function receive(aws: LocalAws, count: number): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  for (let round = 0; records.length < count; round += 1) {
    if (round > 30) throw new Error(`received ${records.length} of ${count} records`);
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: aws.workQueue.url,
        MaxNumberOfMessages: Math.min(10, count - records.length),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    records.push(...Messages.map((message) => toSqsRecord(message, aws.workQueue.arn)));
  }
  return records;
}

/** One invocation of `handler`, then what the event source does: deletes every record not returned. */
async function invoke(aws: LocalAws, handler: ApplyHandler, records: SQSRecord[]) {
  const response = await handler(
    { Records: records },
    { getRemainingTimeInMillis: () => 120_000, awsRequestId: randomUUID() },
  );
  const kept = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const done = records.filter((record) => !kept.has(record.messageId));
  if (done.length > 0) {
    await aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: aws.workQueue.url,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
  return response;
}

describe("a job paused by a configuration error", () => {
  it("is paused with the reason while its records are held, and resumes and completes once fixed, in any container", async () => {
    const aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
    stops.push(() => aws.stop());
    const sim: Auth0Simulator = await startAuth0Simulator({ rps: 500, burst: 100 });
    stops.push(() => sim.stop());
    const store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
    // The secret as the stack's secret holds it: wrong at first, then fixed by the operator.
    let secret = "not-the-secret";
    /** One apply container: its own credentials cache, token, circuit and jobs port. */
    const container = () => {
      const deps = createApplyDeps(
        {
          auth0Domain: sim.url,
          credentials: async () => ({ clientId: sim.clientId, clientSecret: secret }),
          dlqUrl: aws.dlq.url,
          rpsCeiling: 100,
          probeIntervalMs: 50,
        },
        { sqs: aws.sqs, logger: silentLogger },
      );
      return createApplyHandler({
        ...deps,
        jobs: new ApplyJobs({ store, s3: aws.s3, logger: silentLogger }),
      });
    };
    const file = generateUsersCsv({ users: 20, invalidEvery: 1_000, missingEvery: 1_000, seed: 3 });
    const valid = file.applied.size;
    expect(valid).toBeGreaterThan(10);
    const key = "incoming/paused.csv";
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: file.csv }));
    const ingest = createIngestHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      logger: silentLogger,
      config: { queueUrl: aws.workQueue.url, reportsPrefix: "reports/", sendConcurrency: 2 },
      jobs: { store, rpsCeiling: 100 },
    });
    await ingest(objectCreatedEvent({ bucket: aws.bucket, key, size: Buffer.byteLength(file.csv) }));
    const [created] = await store.listJobs();
    const jobId = (created as Job).id;
    const counts = async () => {
      const job = (await store.getJob(jobId)) as Job;
      return { status: job.status, reason: job.reason, applied: job.applied, pending: job.pending };
    };
    expect(await counts()).toEqual({ status: "applying", reason: undefined, applied: 0, pending: valid });

    // Two containers meet the refused secret: every record is held, the job is paused with the reason.
    const a = container();
    const b = container();
    const reason =
      "configuration error: the token endpoint refused the client (401): fix the Auth0 client secret";
    const first = await invoke(aws, a, await receive(aws, 10));
    expect(first.batchItemFailures).toEqual([]);
    expect(await counts()).toEqual({ status: "paused", reason, applied: 0, pending: valid });
    await invoke(aws, b, await receive(aws, valid - 10));
    expect(await counts()).toEqual({ status: "paused", reason, applied: 0, pending: valid });
    expect(await receiveAllBodies(aws.sqs, aws.dlq.url)).toEqual([]);

    // Fixed. A new container (Lambda scaled out; its circuit never opened) applies its batch: the job resumes
    // through the recorded outcomes, not through a circuit closing.
    secret = sim.clientSecret;
    await invoke(aws, container(), await receive(aws, 10));
    expect(await counts()).toEqual({
      status: "applying",
      reason: undefined,
      applied: 10,
      pending: valid - 10,
    });

    // Container a, still open on the old error, probes (the rest of that batch is held while the probe is out),
    // closes and applies the rest: the job stays applying, then completes once.
    for (let left = valid - 10; left > 0; ) {
      expect((await counts()).status).toBe("applying");
      await invoke(aws, a, await receive(aws, left));
      left = (await counts()).pending;
    }
    const job = (await store.getJob(jobId)) as Job;
    expect(job).toMatchObject({
      status: "complete",
      users: file.users,
      valid,
      rejected: file.rejectedUsers,
      sent: valid,
      applied: valid,
      failed: 0,
      pending: 0,
      reports: { result: "reports/paused.csv.result.json" },
    });
    expect(job.reason).toBeUndefined();
    expect(countProblems(job, job.status)).toEqual([]);
    expect(await store.finish(jobId, new Date().toISOString())).toBeUndefined();
    expect(tenantState(sim)).toEqual(file.applied);
    expect(await receiveAllBodies(aws.sqs, aws.dlq.url)).toEqual([]);
  }, 60_000);
});
