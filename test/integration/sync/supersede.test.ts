import { PutObjectCommand as PutS3Object } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { createApplyHandler } from "../../../lib/apply/createApplyHandler.js";
import { createIngestHandler } from "../../../lib/ingest/createIngestHandler.js";
import { ApplyJobs } from "../../../lib/jobs/ApplyJobs.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import { objectCreatedEvent } from "../../../lib/local/objectCreatedEvent.js";
import { toSqsRecord } from "../../../lib/local/sqsRecord.js";
import { silentLogger } from "../../../lib/logging/Logger.js";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { ApplySync } from "../../../lib/sync/ApplySync.js";
import { SyncStateStore } from "../../../lib/sync/SyncStateStore.js";

const KEY = Buffer.alloc(32, 9);
const OLDER = "JBSWY3DPEHPK3PXP";
const NEWER = "GEZDGNBVGY3TQOJQ";

let aws: LocalAws;
let simulator: Auth0Simulator;
let store: DynamoJobStore;
let sync: SyncStateStore;
let round = 0;

beforeAll(async () => {
  [aws, simulator] = await Promise.all([
    startLocalAws(),
    // auth0|gone does not exist in the tenant: its PUT is refused with a 404.
    startAuth0Simulator({ rps: 1000, burst: 1000, knownUsers: (userId) => userId !== "auth0|gone" }),
  ]);
  store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
  sync = new SyncStateStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
});
afterAll(async () => {
  await Promise.all([aws.stop(), simulator.stop()]);
});

/** Uploads a file and runs the real ingest handler on its event, with the given event time. */
async function ingest(
  key: string,
  secret: string,
  eventTime: string,
  tenant: string,
  options: { userId?: string; syncStore?: SyncStateStore; unsynced?: boolean } = {},
) {
  const body = `user_id,type,totp_secret\n${options.userId ?? "auth0|both"},totp,${secret}\n`;
  await aws.s3.send(new PutS3Object({ Bucket: aws.bucket, Key: key, Body: body }));
  const event = objectCreatedEvent({ bucket: aws.bucket, key, size: body.length });
  for (const record of event.Records) record.eventTime = eventTime;
  const handler = createIngestHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    logger: silentLogger,
    jobs: { store },
    ...(options.unsynced === true ? {} : { sync: { store: options.syncStore ?? sync, key: KEY, tenant } }),
    config: { queueUrl: aws.workQueue.url, reportsPrefix: "reports/", sendConcurrency: 2 },
  });
  const [summary] = await handler(event);
  return summary;
}

/** The messages in the work queue (up to 10), as the event source would deliver them. */
async function receiveRecords(): Promise<SQSRecord[]> {
  const received = await aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: aws.workQueue.url,
      MaxNumberOfMessages: 10,
      AttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return (received.Messages ?? []).map((message) => toSqsRecord(message, aws.workQueue.arn));
}

/** The one message in the work queue. */
async function receiveOne(): Promise<SQSRecord> {
  const records = await receiveRecords();
  expect(records).toHaveLength(1);
  return records[0] as SQSRecord;
}

/** The job of the upload whose key ends with `suffix`. */
async function jobOf(suffix: string) {
  const job = (await store.listJobs()).find((candidate) => candidate.source.key.endsWith(suffix));
  if (job === undefined) throw new Error(`no job for ${suffix}`);
  return job;
}

/** Both files' messages, in the work queue at once: the older file's first. */
async function receiveBoth(): Promise<{ older: SQSRecord; newer: SQSRecord }> {
  const records = await receiveRecords();
  expect(records).toHaveLength(2);
  const holding = (secret: string) => {
    const record = records.find((candidate) => candidate.body.includes(secret));
    if (record === undefined) throw new Error("a file's message is missing");
    return record;
  };
  return { older: holding(OLDER), newer: holding(NEWER) };
}

function applyHandler(tenant?: string, options: { syncStore?: SyncStateStore; openCircuit?: boolean } = {}) {
  const deps = createApplyDeps(
    {
      auth0Domain: simulator.url,
      credentials: { clientId: simulator.clientId, clientSecret: simulator.clientSecret },
      dlqUrl: aws.dlq.url,
      rpsCeiling: 500,
      maxConcurrency: 1,
    },
    { sqs: aws.sqs, logger: silentLogger },
  );
  // Auth0 unavailable as the breaker has seen it: failures from many users, the circuit open.
  for (let index = 0; options.openCircuit === true && deps.circuit.state.status !== "open"; index++) {
    deps.circuit.recordFailure(503, "service unavailable", `auth0|down-${index}`);
  }
  return createApplyHandler({
    ...deps,
    jobs: new ApplyJobs({ store, s3: aws.s3, logger: silentLogger }),
    sync: new ApplySync(options.syncStore ?? sync, {
      logger: silentLogger,
      ...(tenant !== undefined ? { tenant } : {}),
    }),
  });
}

const context = { getRemainingTimeInMillis: () => 60_000 };

describe("two files of the same user in flight", () => {
  it.each([
    ["the newer file's message is delivered first", "newer-first"],
    ["the older file's message is delivered first", "older-first"],
  ])("applies the newer file's methods and supersedes the older one when %s", async (_, order) => {
    round += 1;
    const tenant = `tenant-${round}`;
    // The nightly export of the 1st is still queued when the 2nd's arrives.
    await ingest(`incoming/night-1-${round}.csv`, OLDER, "2026-12-01T02:00:00.000Z", tenant);
    await ingest(`incoming/night-2-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", tenant);
    const { older, newer } = await receiveBoth();
    const handle = applyHandler();
    const puts = simulator.stats.puts;

    const sequence = order === "newer-first" ? [newer, older] : [older, newer];
    for (const record of sequence) {
      expect(await handle({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    }

    expect(simulator.stats.puts - puts).toBe(1);
    expect(
      simulator
        .allMethods()
        .get("auth0|both")
        ?.map((method) => method.type),
    ).toEqual(["totp"]);
    expect(simulator.allMethods().get("auth0|both")?.[0]).toMatchObject({ totp_secret: NEWER });
    const jobs = (await store.listJobs()).filter((job) => job.source.key.endsWith(`-${round}.csv`));
    const byKey = Object.fromEntries(jobs.map((job) => [job.source.key, job]));
    expect(byKey[`incoming/night-1-${round}.csv`]).toMatchObject({ superseded: 1, applied: 0, pending: 0 });
    expect(byKey[`incoming/night-2-${round}.csv`]).toMatchObject({ superseded: 0, applied: 1, pending: 0 });
  });
});

describe("a newer file whose user is unchanged", () => {
  it("supersedes an older file ingested after it: night 1 applied, night 3 (the same methods) ingested, then night 2", async () => {
    round += 1;
    const tenant = `tenant-${round}`;
    const userId = "auth0|unchanged-newer";
    const handle = applyHandler();
    await ingest(`incoming/u-night-1-${round}.csv`, OLDER, "2026-12-01T02:00:00.000Z", tenant, { userId });
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });
    const puts = simulator.stats.puts;

    // Night 3 holds night 1's methods again: unchanged, nothing sent, but its order is recorded.
    const night3 = await ingest(
      `incoming/u-night-3-${round}.csv`,
      OLDER,
      "2026-12-03T02:00:00.000Z",
      tenant,
      {
        userId,
      },
    );
    expect(night3).toMatchObject({ valid: 1, unchanged: 1, sent: 0 });
    expect(await receiveRecords()).toEqual([]);

    // Night 2 (other methods) is ingested late: sent, and superseded by night 3 at apply, with no PUT.
    const night2 = await ingest(
      `incoming/u-night-2-${round}.csv`,
      NEWER,
      "2026-12-02T02:00:00.000Z",
      tenant,
      {
        userId,
      },
    );
    expect(night2).toMatchObject({ valid: 1, unchanged: 0, sent: 1 });
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });

    expect(simulator.stats.puts - puts).toBe(0);
    expect(simulator.allMethods().get(userId)).toEqual([expect.objectContaining({ totp_secret: OLDER })]);
    expect(await jobOf(`u-night-2-${round}.csv`)).toMatchObject({ superseded: 1, applied: 0, pending: 0 });
    expect(await jobOf(`u-night-3-${round}.csv`)).toMatchObject({ unchanged: 1, sent: 0, pending: 0 });
    expect(await sync.get(tenant, userId)).toMatchObject({
      appliedJob: (await jobOf(`u-night-1-${round}.csv`)).id,
      claimJob: (await jobOf(`u-night-3-${round}.csv`)).id,
    });
  });
});

describe("a message without a sync stamp", () => {
  it("clears the user's HMAC after its 2xx: the next file with the methods applied before is sent, not skipped", async () => {
    round += 1;
    const tenant = `tenant-${round}`;
    const userId = "auth0|unstamped";
    const handle = applyHandler(tenant);
    await ingest(`incoming/s-1-${round}.csv`, OLDER, "2026-12-01T02:00:00.000Z", tenant, { userId });
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });
    expect((await sync.get(tenant, userId))?.hmac).toEqual(expect.any(String));

    // An ingest without the sync state sends an unstamped message: PUT unclaimed, and the HMAC then removed.
    await ingest(`incoming/s-2-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", tenant, {
      userId,
      unsynced: true,
    });
    const unstamped = await receiveOne();
    expect(JSON.parse(unstamped.body)).not.toHaveProperty("sync");
    expect(await handle({ Records: [unstamped] }, context)).toEqual({ batchItemFailures: [] });
    expect(simulator.allMethods().get(userId)).toEqual([expect.objectContaining({ totp_secret: NEWER })]);
    expect((await sync.get(tenant, userId))?.hmac).toBeUndefined();

    // The first file's methods again: sent and applied, where the old HMAC would have skipped them.
    const again = await ingest(`incoming/s-3-${round}.csv`, OLDER, "2026-12-03T02:00:00.000Z", tenant, {
      userId,
    });
    expect(again).toMatchObject({ valid: 1, unchanged: 0, sent: 1 });
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });
    expect(simulator.allMethods().get(userId)).toEqual([expect.objectContaining({ totp_secret: OLDER })]);
    expect(await jobOf(`s-3-${round}.csv`)).toMatchObject({ applied: 1, unchanged: 0, pending: 0 });
  });
});

describe("an Auth0 outage", () => {
  it("holds a stamped record without claiming it: no table write while the circuit is open", async () => {
    round += 1;
    const tenant = `tenant-${round}`;
    const userId = "auth0|outage";
    await ingest(`incoming/outage-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", tenant, { userId });
    const before = await sync.get(tenant, userId);
    const counted = new SyncStateStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
    let claims = 0;
    const claimForPut = counted.claimForPut.bind(counted);
    counted.claimForPut = (...args) => {
      claims += 1;
      return claimForPut(...args);
    };
    const handle = applyHandler(tenant, { syncStore: counted, openCircuit: true });
    const puts = simulator.stats.puts;
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });

    expect({ claims, puts: simulator.stats.puts - puts }).toEqual({ claims: 0, puts: 0 });
    expect(await sync.get(tenant, userId)).toEqual(before);
    // Held (requeued after about one probe interval, with its history): still pending in its job.
    expect(await jobOf(`outage-${round}.csv`)).toMatchObject({ applied: 0, pending: 1 });
  });
});

describe("failure paths of the sync state", () => {
  it("leaves the claim after a failed PUT: the older file's record is superseded behind it, and the next sync sends the user again", async () => {
    round += 1;
    const tenant = `tenant-${round}`;
    const userId = "auth0|gone";
    await ingest(`incoming/fail-1-${round}.csv`, OLDER, "2026-12-01T02:00:00.000Z", tenant, { userId });
    await ingest(`incoming/fail-2-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", tenant, { userId });
    const { older, newer } = await receiveBoth();
    const handle = applyHandler();
    const puts = simulator.stats.puts;

    // The newer file's PUT is refused (404: the user does not exist): dead-lettered, its claim kept.
    expect(await handle({ Records: [newer] }, context)).toEqual({ batchItemFailures: [] });
    expect(await sync.get(tenant, userId)).toEqual({
      claimOrder: expect.stringContaining("j-"),
      claimJob: (await jobOf(`fail-2-${round}.csv`)).id,
    });
    // The older file's record then finds the newer claim: superseded, no PUT.
    expect(await handle({ Records: [older] }, context)).toEqual({ batchItemFailures: [] });
    expect(simulator.stats.puts - puts).toBe(1);
    expect(await jobOf(`fail-1-${round}.csv`)).toMatchObject({ superseded: 1, applied: 0, pending: 0 });
    expect(await jobOf(`fail-2-${round}.csv`)).toMatchObject({ failed: 1, applied: 0, pending: 0 });

    // Nothing was applied, so the same methods again are sent, not skipped as unchanged.
    const again = await ingest(`incoming/fail-3-${round}.csv`, NEWER, "2026-12-03T02:00:00.000Z", tenant, {
      userId,
    });
    expect(again).toMatchObject({ valid: 1, unchanged: 0, sent: 1 });
    expect(await handle({ Records: [await receiveOne()] }, context)).toEqual({ batchItemFailures: [] });
    expect(await jobOf(`fail-3-${round}.csv`)).toMatchObject({ failed: 1, pending: 0 });
  });

  it("counts a record delivered twice once, and PUTs it once", async () => {
    round += 1;
    const tenant = `tenant-${round}`;
    await ingest(`incoming/twice-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", tenant, {
      userId: "auth0|twice",
    });
    const record = await receiveOne();
    const handle = applyHandler();
    const puts = simulator.stats.puts;
    // The second delivery: e.g. the first invocation crashed after the PUT, before its batch response.
    expect(await handle({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    expect(await handle({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    expect(simulator.stats.puts - puts).toBe(1);
    expect(await jobOf(`twice-${round}.csv`)).toMatchObject({
      sent: 1,
      applied: 1,
      superseded: 0,
      pending: 0,
      status: "complete",
    });
    expect(await sync.get(tenant, "auth0|twice")).toMatchObject({
      appliedJob: (await jobOf(`twice-${round}.csv`)).id,
    });
  });

  it("fails the job and sends nothing when the sync state cannot be read", async () => {
    round += 1;
    // A real DynamoDB error from dynalite: the state's table is not there (a wrong JOBS_TABLE, a deleted table).
    const unreadable = new SyncStateStore({ client: aws.jobs.client, tableName: "no-such-table" });
    await expect(
      ingest(`incoming/unreadable-${round}.csv`, NEWER, "2026-12-02T02:00:00.000Z", `tenant-${round}`, {
        syncStore: unreadable,
      }),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const job = await jobOf(`unreadable-${round}.csv`);
    expect(job).toMatchObject({ status: "failed", sent: 0, applied: 0, pending: 0 });
    expect(job.reason).toMatch(/^ResourceNotFoundException: /);
    const left = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: aws.workQueue.url, MaxNumberOfMessages: 10 }),
    );
    expect(left.Messages ?? []).toEqual([]);
  });
});
