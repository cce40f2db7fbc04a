import { randomUUID } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHandler } from "../../../lib/ingest/createIngestHandler.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import { objectCreatedEvent } from "../../../lib/local/objectCreatedEvent.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { generateUsersCsv } from "../../helpers/usersFile.js";

describe("ingest's log lines with jobs", () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(() => aws.stop());

  it("carry the job id on every line about the upload once its job exists, and the request id on all", async () => {
    const store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
    const { logger, lines } = capturedLogger();
    const ingest = createIngestHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      logger,
      config: { queueUrl: aws.workQueue.url, reportsPrefix: "reports/", sendConcurrency: 2 },
      jobs: { store, rpsCeiling: 10 },
    });
    const file = generateUsersCsv({ users: 12, invalidEvery: 4, seed: 5 });
    const key = "incoming/logged.csv";
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: file.csv }));
    const requestId = randomUUID();
    await ingest(objectCreatedEvent({ bucket: aws.bucket, key, size: file.csv.length }), {
      awsRequestId: requestId,
    });
    const [job] = await store.listJobs();
    const logged = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.filter((line) => line.requestId !== requestId).map((line) => line.msg)).toEqual([]);
    const created = logged.findIndex((line) => line.msg === "job created");
    expect(created).toBeGreaterThanOrEqual(0);
    const after = logged.slice(created);
    expect(after.length).toBeGreaterThan(2);
    expect(after.filter((line) => line.jobId !== job?.id).map((line) => line.msg)).toEqual([]);
  });
});
