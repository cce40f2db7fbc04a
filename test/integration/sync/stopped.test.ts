import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestObject } from "../../../lib/ingest/ingestObject.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { IngestJob } from "../../../lib/jobs/IngestJob.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import type { UserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { SyncStateStore } from "../../../lib/sync/SyncStateStore.js";
import { receiveAllBodies } from "../../helpers/queue.js";

const KEY = Buffer.alloc(32, 5);
const TENANT = "stopped.example.auth0.com";
const OLD = "JBSWY3DPEHPK3PXP";
const NEW = "GEZDGNBVGY3TQOJQ";

let aws: LocalAws;
let jobs: DynamoJobStore;
let sync: SyncStateStore;

beforeEach(async () => {
  aws = await startLocalAws();
  jobs = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
  sync = new SyncStateStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
});
afterEach(() => aws.stop());

/** A file of users `from` … `to - 1`, each with a TOTP secret chosen by `secretOf`. */
function usersCsv(from: number, to: number, secretOf: (index: number) => string): string {
  const rows = ["user_id,type,totp_secret"];
  for (let index = from; index < to; index++) rows.push(`auth0|u${index},totp,${secretOf(index)}`);
  return `${rows.join("\n")}\n`;
}

/** Ingests a file with the sync state and a job; `cancelAt`: the job is cancelled before that user is sent. */
async function ingest(key: string, csv: string, sequencer: string, options: { cancelAt?: number } = {}) {
  await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: csv }));
  const source = { bucket: aws.bucket, key, sequencer };
  const opened = await IngestJob.open(source, { store: jobs, s3: aws.s3, reserveChunk: 10 });
  const job = opened.job;
  const realTake = job.beforeSend.bind(job);
  let taken = 0;
  job.beforeSend = async () => {
    taken += 1;
    if (taken === options.cancelAt) await jobs.cancel(job.id);
    return realTake();
  };
  const summary = await ingestObject(
    { ...source, jobId: job.id },
    {
      s3: aws.s3,
      sqs: aws.sqs,
      queueUrl: aws.workQueue.url,
      job,
      sync: { store: sync, key: KEY, tenant: TENANT },
    },
    { upload: { eventTime: `2026-12-0${sequencer.slice(-1)}T02:00:00.000Z`, sequencer } },
  );
  return { summary, job: await jobs.getJob(job.id) };
}

/** What apply does after a 2xx, for every message in the work queue. */
async function applyQueued(): Promise<number> {
  const bodies = await receiveAllBodies(aws.sqs, aws.workQueue.url);
  for (const body of bodies) {
    const message = JSON.parse(body) as UserFactorsMessage;
    const stamp = message.sync;
    if (stamp === undefined) throw new Error("an unstamped message");
    await sync.recordApplied(stamp.tenant, message.userId, {
      hmac: stamp.hmac,
      order: stamp.order,
      jobId: message.source.jobId ?? "",
      at: "2026-12-01T03:00:00.000Z",
    });
  }
  return bodies.length;
}

describe("a sync stopped by a cancel", () => {
  it("counts the unchanged users after the cancel as unchanged, not cancelled", async () => {
    // Users 50 … 99 applied with OLD.
    await ingest(
      "incoming/first.csv",
      usersCsv(50, 100, () => OLD),
      "0001",
    );
    expect(await applyQueued()).toBe(50);

    // Users 0 … 49 are new, 50 … 99 unchanged; the job is cancelled before the 11th user is sent.
    const { summary, job } = await ingest(
      "incoming/second.csv",
      usersCsv(0, 100, () => OLD),
      "0002",
      { cancelAt: 11 },
    );
    expect(summary).toMatchObject({ valid: 100, unchanged: 50, sent: 10, failedToSend: 0 });
    expect(job).toMatchObject({ status: "cancelled", valid: 100, unchanged: 50, sent: 50, cancelled: 40 });
    expect(await receiveAllBodies(aws.sqs, aws.workQueue.url)).toHaveLength(10);
  });

  it("gives back the claims of the users it did not send: an older file's records for them are not superseded", async () => {
    // The older file sends users 0 … 99 (claimed for its order); its records are still in the queue.
    const older = await ingest(
      "incoming/older.csv",
      usersCsv(0, 100, () => OLD),
      "0001",
    );
    expect(older.summary).toMatchObject({ sent: 100 });
    expect(await receiveAllBodies(aws.sqs, aws.workQueue.url)).toHaveLength(100);

    // The newer file is cancelled before its 11th user: it sent users 0 … 9 only.
    const newer = await ingest(
      "incoming/newer.csv",
      usersCsv(0, 100, () => NEW),
      "0002",
      { cancelAt: 11 },
    );
    expect(newer.summary).toMatchObject({ valid: 100, unchanged: 0, sent: 10 });
    expect(newer.job).toMatchObject({ status: "cancelled", cancelled: 90 });

    const claimJobs = new Map<string, number>();
    for (let index = 0; index < 100; index++) {
      const claimJob = (await sync.get(TENANT, `auth0|u${index}`))?.claimJob ?? "none";
      const who = claimJob === newer.job?.id ? "newer" : claimJob === older.job?.id ? "older" : claimJob;
      claimJobs.set(
        `${index < 10 ? "sent" : "unsent"}:${who}`,
        (claimJobs.get(`${index < 10 ? "sent" : "unsent"}:${who}`) ?? 0) + 1,
      );
    }
    // The 10 sent stay the newer file's; the 90 it never sent are the older file's again.
    expect(Object.fromEntries(claimJobs)).toEqual({ "sent:newer": 10, "unsent:older": 90 });
  });
});
