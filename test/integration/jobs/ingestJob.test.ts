import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestObject } from "../../../lib/ingest/ingestObject.js";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { IngestJob } from "../../../lib/jobs/IngestJob.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import type { UserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { generateUsersCsv } from "../../helpers/usersFile.js";

let aws: LocalAws;
let store: DynamoJobStore;

beforeEach(async () => {
  aws = await startLocalAws();
  store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
});
afterEach(() => aws.stop());

async function upload(key: string, body: string): Promise<void> {
  await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
}

describe("ingest with a job", () => {
  it("counts every user in the job exactly, and every message names the job", async () => {
    const file = generateUsersCsv({ users: 250, seed: 3 });
    await upload("incoming/users.csv", file.csv);
    const source = { bucket: aws.bucket, key: "incoming/users.csv", sequencer: "0001" };
    // A small chunk, so the reservation is renewed many times and given back at the end.
    const opened = await IngestJob.open(source, { store, s3: aws.s3, reserveChunk: 7 }, { rpsCeiling: 10 });
    expect(opened.created).toBe(true);
    const summary = await ingestObject(
      { ...source, jobId: opened.job.id },
      { s3: aws.s3, sqs: aws.sqs, queueUrl: aws.workQueue.url, job: opened.job },
    );
    const job = await store.getJob(opened.job.id);
    expect(job).toMatchObject({
      status: "applying",
      users: summary.users,
      valid: summary.valid,
      rejected: summary.rejected,
      sent: summary.sent,
      failedToSend: 0,
      pending: summary.sent,
      reports: summary.reports,
    });
    expect(job === undefined ? ["no job"] : countProblems(job)).toEqual([]);
    const bodies = await receiveAllBodies(aws.sqs, aws.workQueue.url);
    expect(bodies).toHaveLength(summary.sent);
    const jobIds = new Set(bodies.map((body) => (JSON.parse(body) as UserFactorsMessage).source.jobId));
    expect([...jobIds]).toEqual([opened.job.id]);
  });

  it("the same upload again finds its job: created is false", async () => {
    const source = { bucket: aws.bucket, key: "incoming/twice.csv", sequencer: "0002" };
    const first = await IngestJob.open(source, { store, s3: aws.s3 });
    const again = await IngestJob.open(source, { store, s3: aws.s3 });
    expect([first.created, again.created, again.job.id]).toEqual([true, false, first.job.id]);
  });

  it("stops sending when the job is cancelled: the users not sent count as cancelled", async () => {
    const file = generateUsersCsv({ users: 100, seed: 4, invalidEvery: 1000 });
    await upload("incoming/cancel.csv", file.csv);
    const source = { bucket: aws.bucket, key: "incoming/cancel.csv", sequencer: "0003" };
    const opened = await IngestJob.open(source, { store, s3: aws.s3, reserveChunk: 10 });
    // Cancelled after the first chunk was counted: ingest sends those 10 and stops at the next renewal.
    const job = opened.job;
    const realTake = job.beforeSend.bind(job);
    let taken = 0;
    job.beforeSend = async () => {
      taken += 1;
      if (taken === 11) await store.cancel(job.id);
      return realTake();
    };
    const summary = await ingestObject(
      { ...source, jobId: job.id },
      { s3: aws.s3, sqs: aws.sqs, queueUrl: aws.workQueue.url, job },
    );
    // Pass 1 read the whole file; pass 2 sent the first chunk and then nothing: the rest counts as cancelled.
    expect(summary.sent).toBe(10);
    expect(await store.getJob(job.id)).toMatchObject({
      status: "cancelled",
      users: summary.users,
      valid: summary.valid,
      sent: summary.valid,
      failedToSend: 0,
      cancelled: summary.valid - 10,
      pending: 10,
    });
    expect(await receiveAllBodies(aws.sqs, aws.workQueue.url)).toHaveLength(10);
  });

  it("a file error ends the job failed with its class and line, and nothing pending when nothing was sent", async () => {
    await upload("incoming/bad.csv", "user_id,type,colour\nauth0|1,totp,red\n");
    const source = { bucket: aws.bucket, key: "incoming/bad.csv", sequencer: "0004" };
    const opened = await IngestJob.open(source, { store, s3: aws.s3 });
    await ingestObject(
      { ...source, jobId: opened.job.id },
      { s3: aws.s3, sqs: aws.sqs, queueUrl: aws.workQueue.url, job: opened.job },
    );
    const job = await store.getJob(opened.job.id);
    expect(job).toMatchObject({ status: "failed", sent: 0, pending: 0 });
    expect(job?.reason).toMatch(/^UnknownColumnError at line 1: see reports\/bad\.csv\.summary\.json$/);
    expect(job?.finishedAt).toBeDefined();
    expect(job?.reports.result).toBe("reports/bad.csv.result.json");
  });
});
