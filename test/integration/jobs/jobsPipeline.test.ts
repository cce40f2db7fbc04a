import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { createApplyHandler } from "../../../lib/apply/createApplyHandler.js";
import { createIngestHandler } from "../../../lib/ingest/createIngestHandler.js";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import type { Job } from "../../../lib/jobs/types.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import { objectCreatedEvent } from "../../../lib/local/objectCreatedEvent.js";
import { type SqsBatchHandler, SqsEventSource } from "../../../lib/local/SqsEventSource.js";
import { silentLogger } from "../../../lib/logging/Logger.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import type { Auth0SimulatorOptions } from "../../../lib/simulator/options.js";
import { tenantState } from "../../helpers/tenantState.js";
import { type GeneratedUsers, generateUsersCsv } from "../../helpers/usersFile.js";

/** The pipeline on the local runtime with jobs: fauxqs, dynalite and the simulator, all over real sockets. */
interface Pipeline {
  aws: LocalAws;
  store: DynamoJobStore;
  simulator: Auth0Simulator;
  /** Uploads `body` under `key` and returns the S3 event announcing it. */
  upload(key: string, body: string): Promise<ReturnType<typeof objectCreatedEvent>>;
  ingest: ReturnType<typeof createIngestHandler>;
  /** An event source of apply handlers; `wrap` may stand between it and each handler. */
  eventSource(wrap?: (handler: SqsBatchHandler) => SqsBatchHandler): SqsEventSource;
  /** The job of the only upload so far. */
  onlyJob(): Promise<Job>;
  stop(): Promise<void>;
}

const running: Pipeline[] = [];
afterEach(async () => {
  for (const pipeline of running.splice(0)) await pipeline.stop();
});

async function startPipeline(simulatorOptions: Auth0SimulatorOptions = {}): Promise<Pipeline> {
  // A short visibility timeout, so that a crashed batch comes back within the test.
  const aws = await startLocalAws({ visibilityTimeoutSeconds: 2 });
  const simulator = await startAuth0Simulator({ rps: 500, burst: 100, ...simulatorOptions });
  const store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
  const ingest = createIngestHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    logger: silentLogger,
    config: { queueUrl: aws.workQueue.url, reportsPrefix: "reports/", sendConcurrency: 4 },
    jobs: { store, rpsCeiling: 100 },
  });
  const pipeline: Pipeline = {
    aws,
    store,
    simulator,
    ingest,
    async upload(key, body) {
      await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
      return objectCreatedEvent({ bucket: aws.bucket, key, size: Buffer.byteLength(body) });
    },
    eventSource(wrap = (handler) => handler) {
      return new SqsEventSource({
        sqs: aws.sqs,
        queueUrl: aws.workQueue.url,
        queueArn: aws.workQueue.arn,
        maxConcurrency: 2,
        maxBatchingWindowSeconds: 0,
        pollWaitSeconds: 1,
        createHandler: () => {
          const deps = createApplyDeps(
            {
              auth0Domain: simulator.url,
              credentials: { clientId: simulator.clientId, clientSecret: simulator.clientSecret },
              dlqUrl: aws.dlq.url,
              rpsCeiling: 100,
              maxReceiveCount: 5,
              // Random 5xx can open the circuit (five in a row from two users): probe within the test's time.
              probeIntervalMs: 1_000,
            },
            { sqs: aws.sqs, logger: silentLogger },
          );
          const handler = createApplyHandler({
            ...deps,
            options: {
              ...deps.options,
              redeliveryBaseSeconds: 1,
              redeliveryMaxSeconds: 1,
              backoff: { baseMs: 5, maxMs: 20 },
            },
            jobs: new ApplyJobs({ store, s3: aws.s3, logger: silentLogger }),
          });
          return wrap(handler as SqsBatchHandler);
        },
      });
    },
    async onlyJob() {
      const jobs = await store.listJobs();
      expect(jobs).toHaveLength(1);
      return jobs[0] as Job;
    },
    async stop() {
      await simulator.stop();
      await aws.stop();
    },
  };
  running.push(pipeline);
  return pipeline;
}

/** Runs the file through ingest and apply until the work queue is drained. */
async function runFile(
  pipeline: Pipeline,
  key: string,
  file: GeneratedUsers,
  source = pipeline.eventSource(),
) {
  const event = await pipeline.upload(key, file.csv);
  source.start();
  const summaries = await pipeline.ingest(event);
  await source.finishWhenDrained();
  return { event, summaries };
}

async function s3Text(aws: LocalAws, key: string): Promise<string> {
  const object = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? "";
}

/** Every factor value of the file's valid users: none may be in the table. */
function factorValues(file: GeneratedUsers): string[] {
  return [...file.applied.values()].flatMap((methods) =>
    methods.map((method) =>
      method.type === "totp"
        ? method.totp_secret
        : method.type === "phone"
          ? method.phone_number
          : method.email,
    ),
  );
}

describe("jobs through the pipeline", () => {
  it("counts every user exactly with 5xx and connection resets, and writes the completion reports", async () => {
    const pipeline = await startPipeline({
      knownUsers: (userId) => !userId.includes("|missing-"),
      faults: { errorRate: 0.2, resetRate: 0.05 },
      seed: 11,
    });
    const file = generateUsersCsv({ users: 300, seed: 8 });
    await runFile(pipeline, "incoming/faults.csv", file);

    const job = await pipeline.onlyJob();
    const valid = file.applied.size + file.refused.size;
    expect(job).toMatchObject({
      status: "complete-with-failures",
      users: file.users,
      valid,
      rejected: file.rejectedUsers,
      sent: valid,
      applied: file.applied.size,
      failed: file.refused.size,
      pending: 0,
      reports: {
        rejects: "reports/faults.csv.rejects.csv",
        summary: "reports/faults.csv.summary.json",
        result: "reports/faults.csv.result.json",
        failures: "reports/faults.csv.failures.csv",
      },
    });
    expect(countProblems(job, job.status)).toEqual([]);
    expect(tenantState(pipeline.simulator)).toEqual(file.applied);

    const result = JSON.parse(await s3Text(pipeline.aws, "reports/faults.csv.result.json"));
    expect(result).toMatchObject({
      jobId: job.id,
      status: "complete-with-failures",
      counts: {
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
      },
      rate: { ceilingPerSecond: 100 },
      reports: job.reports,
    });
    expect(result.durations.totalMs).toBeGreaterThan(0);
    expect(result.rate.appliedPerSecond).toBeGreaterThan(0);
    const failures = (await s3Text(pipeline.aws, "reports/faults.csv.failures.csv")).trimEnd().split("\r\n");
    expect(failures[0]).toBe("\uFEFFline,user_id,status,errorCode,message,attempts,failedAt,source_key");
    const failed = failures.slice(1).map((row) => row.split(","));
    expect(failed.map((cells) => [cells[1], Number(cells[0]), cells[2], cells[7]]).sort()).toEqual(
      [...file.refused].map(([userId, line]) => [userId, line, "404", "incoming/faults.csv"]).sort(),
    );

    // No item holds a TOTP secret, a phone number or an email of the file.
    const items = await pipeline.aws.jobs.client.send(
      new ScanCommand({ TableName: pipeline.aws.jobs.tableName }),
    );
    const stored = JSON.stringify(items.Items);
    expect(items.Items?.length).toBe(1 + valid);
    const leaked = factorValues(file).filter((value) => stored.includes(value));
    expect(leaked).toEqual([]);
  });

  it("counts a user once and does not send it again when a crash comes after the PUT and before the batch response", async () => {
    const pipeline = await startPipeline();
    const file = generateUsersCsv({ users: 40, seed: 9, invalidEvery: 1000, missingEvery: 1000 });
    let crashes = 0;
    // The first invocation applies and records its batch, then dies before answering: nothing is deleted.
    const source = pipeline.eventSource((handler) => async (event, context) => {
      const response = await handler(event, context);
      if (crashes === 0) {
        crashes += 1;
        throw new Error("the function crashed before returning its batch response");
      }
      return response;
    });
    await runFile(pipeline, "incoming/crash.csv", file, source);

    expect(crashes).toBe(1);
    const job = await pipeline.onlyJob();
    expect(job).toMatchObject({
      status: "complete",
      users: file.users,
      sent: file.applied.size,
      applied: file.applied.size,
      failed: 0,
      pending: 0,
    });
    // Each user was PUT once: the crashed batch's records came back and were found counted.
    expect(pipeline.simulator.stats.puts).toBe(file.applied.size);
    expect(pipeline.simulator.stats.applied).toBe(file.applied.size);
  });

  it("does nothing for a duplicate S3 event: each user is sent once", async () => {
    const pipeline = await startPipeline();
    const file = generateUsersCsv({ users: 30, seed: 10, invalidEvery: 1000, missingEvery: 1000 });
    const source = pipeline.eventSource();
    const event = await pipeline.upload("incoming/twice.csv", file.csv);
    source.start();
    const first = await pipeline.ingest(event);
    const second = await pipeline.ingest(event);
    await source.finishWhenDrained();

    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
    const job = await pipeline.onlyJob();
    expect(job).toMatchObject({
      status: "complete",
      users: file.users,
      sent: file.applied.size,
      applied: file.applied.size,
      pending: 0,
    });
    expect(pipeline.simulator.stats.puts).toBe(file.applied.size);
  });

  it("cancelled mid-run: the rest is dropped without calling Auth0, and the job ends cancelled with its counts", async () => {
    const pipeline = await startPipeline({ rps: 10, burst: 2 });
    const file = generateUsersCsv({ users: 80, seed: 12, invalidEvery: 1000, missingEvery: 1000 });
    const source = pipeline.eventSource();
    const event = await pipeline.upload("incoming/cancel.csv", file.csv);
    source.start();
    await pipeline.ingest(event);
    const { id } = await pipeline.onlyJob();
    // Cancel once some users are applied.
    for (;;) {
      const job = await pipeline.store.getJob(id);
      if ((job?.applied ?? 0) >= 5) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    await pipeline.store.cancel(id);
    await source.finishWhenDrained();

    const job = await pipeline.store.getJob(id);
    expect(job?.status).toBe("cancelled");
    expect(job?.finishedAt).toBeDefined();
    expect(job?.pending).toBe(0);
    expect((job?.applied ?? 0) + (job?.cancelled ?? 0)).toBe(file.applied.size);
    expect(job?.cancelled).toBeGreaterThan(0);
    expect(countProblems(job as Job, "cancelled")).toEqual([]);
    // Exactly the users counted applied reached Auth0 (some twice: a batch slower than the 2 s visibility timeout
    // of this test is delivered again while it runs, and each copy may PUT before either is recorded).
    expect(pipeline.simulator.allMethods().size).toBe(job?.applied);
    const result = JSON.parse(await s3Text(pipeline.aws, "reports/cancel.csv.result.json"));
    expect(result).toMatchObject({ status: "cancelled", counts: { cancelled: job?.cancelled, pending: 0 } });
  });

  it("a failed user redriven and then applied moves from failed to applied, and the reports are rewritten", async () => {
    const known = new Set<string>();
    const pipeline = await startPipeline({
      knownUsers: (userId) => !userId.includes("|missing-") || known.has(userId),
    });
    const file = generateUsersCsv({ users: 50, seed: 13, invalidEvery: 1000, missingEvery: 25 });
    expect(file.refused.size).toBe(2);
    await runFile(pipeline, "incoming/redrive.csv", file);
    const before = await pipeline.onlyJob();
    expect(before).toMatchObject({
      status: "complete-with-failures",
      applied: file.applied.size,
      failed: 2,
      pending: 0,
    });

    // The users are created in the tenant; their dead letters go back to the work queue (dlq-redrive).
    for (const userId of file.refused.keys()) known.add(userId);
    const { Messages = [] } = await pipeline.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.aws.dlq.url, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(2);
    for (const message of Messages) {
      await pipeline.aws.sqs.send(
        new SendMessageCommand({ QueueUrl: pipeline.aws.workQueue.url, MessageBody: message.Body }),
      );
      await pipeline.aws.sqs.send(
        new DeleteMessageCommand({ QueueUrl: pipeline.aws.dlq.url, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    const again = pipeline.eventSource();
    again.start();
    await again.finishWhenDrained();

    const after = await pipeline.store.getJob(before.id);
    expect(after).toMatchObject({
      status: "complete",
      applied: file.applied.size + 2,
      failed: 0,
      pending: 0,
    });
    expect(countProblems(after as Job, "complete")).toEqual([]);
    expect(await s3Text(pipeline.aws, "reports/redrive.csv.failures.csv")).toBe(
      "\uFEFFline,user_id,status,errorCode,message,attempts,failedAt,source_key\r\n",
    );
    const result = JSON.parse(await s3Text(pipeline.aws, "reports/redrive.csv.result.json"));
    expect(result).toMatchObject({
      status: "complete",
      counts: { applied: file.applied.size + 2, failed: 0 },
    });
  });
});
