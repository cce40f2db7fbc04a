import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Upload } from "@aws-sdk/lib-storage";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckpointStore } from "../../../lib/ingest/CheckpointStore.js";
import { parseContinuationMessage } from "../../../lib/ingest/ContinuationMessage.js";
import { createIngestHandler, type IngestContext } from "../../../lib/ingest/createIngestHandler.js";
import { parseIngestCheckpoint } from "../../../lib/ingest/IngestCheckpoint.js";
import { ingestObject } from "../../../lib/ingest/ingestObject.js";
import { readUserFactors } from "../../../lib/ingest/readUserFactors.js";
import { findStalledIngests } from "../../../lib/ingest/stalledIngests.js";
import { countProblems } from "../../../lib/jobs/countProblems.js";
import { createJobsTable } from "../../../lib/jobs/createJobsTable.js";
import { DynamoCheckpointStore } from "../../../lib/jobs/DynamoCheckpointStore.js";
import { DynamoJobStore } from "../../../lib/jobs/DynamoJobStore.js";
import { jobKey } from "../../../lib/jobs/dynamoItems.js";
import type { JobStore } from "../../../lib/jobs/JobStore.js";
import { type LocalAws, startLocalAws } from "../../../lib/local/LocalAws.js";
import { objectCreatedEvent } from "../../../lib/local/objectCreatedEvent.js";
import { silentLogger } from "../../../lib/logging/Logger.js";
import type { UserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import type { IngestSummary } from "../../../lib/reports/IngestSummary.js";
import { CSV, FIXTURE_TOTP_SECRET, gzip } from "../../helpers/ingestFiles.js";
import type { IngestProcessInput } from "../../helpers/ingestProcess.js";
import { capturedMetrics } from "../../helpers/metrics.js";
import { peekAllBodies, receiveAllBodies } from "../../helpers/queue.js";
import { generateUsersCsv } from "../../helpers/usersFile.js";

/** Kept back for a checkpoint, in the test's "milliseconds" (one a look at the clock). */
const MARGIN = 1000;

/**
 * A Lambda context whose remaining time goes down by one at every look, from `budget`: ingest looks once a user
 * (and a few times at the start), so an invocation handles about `budget - MARGIN` users, on any machine.
 */
function countingContext(budget: number): IngestContext & { looks: () => number } {
  let looks = 0;
  return {
    getRemainingTimeInMillis: () => budget - ++looks,
    looks: () => looks,
  };
}

let aws: LocalAws;
let store: DynamoJobStore;
let checkpoints: DynamoCheckpointStore;
let queues = 0;

beforeAll(async () => {
  aws = await startLocalAws();
  store = new DynamoJobStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
  checkpoints = new DynamoCheckpointStore({ client: aws.jobs.client, tableName: aws.jobs.tableName });
});
afterAll(() => aws.stop());

async function newQueues() {
  queues += 1;
  const work = await aws.createQueue(`continue-work-${queues}`);
  const control = await aws.createQueue(`continue-control-${queues}`);
  return { work, control };
}

/** The ingest handler on the test's queues, with the shared jobs table unless told otherwise. */
function handlerFor(
  workUrl: string,
  controlUrl: string,
  parts: { store?: JobStore; checkpoints?: CheckpointStore; maxReceiveCount?: number } = {},
) {
  return createIngestHandler({
    s3: aws.s3,
    sqs: aws.sqs,
    logger: silentLogger,
    config: { queueUrl: workUrl, reportsPrefix: "reports/", sendConcurrency: 10 },
    jobs: {
      store: parts.store ?? store,
      continuation: {
        checkpoints: parts.checkpoints ?? checkpoints,
        controlQueueUrl: controlUrl,
        marginMs: MARGIN,
        ...(parts.maxReceiveCount !== undefined ? { maxReceiveCount: parts.maxReceiveCount } : {}),
      },
    },
  });
}

/** The shared checkpoints, but `save` as given (a save that fails, or never returns: the invocation died). */
function checkpointsSaving(save: CheckpointStore["save"]): CheckpointStore {
  return {
    claim: (...args) => checkpoints.claim(...args),
    release: (...args) => checkpoints.release(...args),
    clear: (...args) => checkpoints.clear(...args),
    save,
  };
}

/** The control queue's next message as Lambda's event source hands it over (one record). */
async function nextContinuation(controlUrl: string): Promise<SQSEvent | undefined> {
  const { Messages = [] } = await aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: controlUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
  );
  const message = Messages[0];
  if (message === undefined) return undefined;
  // Deleted as the event source deletes a message whose invocation succeeded (the tests deliver duplicates on purpose).
  await aws.sqs.send(
    new DeleteMessageCommand({ QueueUrl: controlUrl, ReceiptHandle: message.ReceiptHandle }),
  );
  return {
    Records: [
      {
        messageId: message.MessageId ?? "",
        receiptHandle: message.ReceiptHandle ?? "",
        body: message.Body ?? "",
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: "0",
          SenderId: "local",
          ApproximateFirstReceiveTimestamp: "0",
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:control",
        awsRegion: "us-east-1",
      },
    ],
  };
}

async function upload(key: string, body: string | Buffer) {
  // Multipart: fauxqs refuses a single PUT over ~11 MiB.
  const put = await new Upload({
    client: aws.s3,
    params: { Bucket: aws.bucket, Key: key, Body: body },
  }).done();
  return { etag: put.ETag?.replaceAll('"', "") ?? "", size: Buffer.byteLength(body) };
}

async function text(key: string): Promise<string> {
  const response = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return (await response.Body?.transformToString("utf8")) ?? "";
}

/** What one invocation of a continued ingest ended with. */
interface Step {
  pass?: number;
  line?: number;
  summary?: IngestSummary;
  /** The job's status after the invocation. */
  status?: string;
}

/**
 * Ingests `key` through the handler, invocation after invocation: the S3 event, then each continuation event
 * from the control queue, until an invocation returns the summary; invocation `n` (0 the first) has
 * `budget(n)` looks at the clock.
 */
async function ingestInSteps(
  key: string,
  size: number,
  etag: string,
  budget: (invocation: number) => number,
) {
  const { work, control } = await newQueues();
  const handler = handlerFor(work.url, control.url);
  const steps: Step[] = [];
  const first = await handler(
    objectCreatedEvent({ bucket: aws.bucket, key, size, eTag: etag }),
    countingContext(budget(0)),
  );
  steps.push({ summary: first[0] });
  let summary = first[0];
  while (summary === undefined) {
    const event = await nextContinuation(control.url);
    if (event === undefined) throw new Error("no continuation and no summary: the ingest stalled");
    const message = parseContinuationMessage(event.Records[0]?.body ?? "");
    const job = await store.getJob(message.jobId);
    const checkpoint = parseIngestCheckpoint(job?.checkpoint);
    const [done] = await handler(event, countingContext(budget(steps.length)));
    const status = (await store.getJob(message.jobId))?.status;
    steps.push({ pass: checkpoint.pass, line: checkpoint.position.line, summary: done, status });
    summary = done;
  }
  const jobId = summary.source.jobId ?? "";
  return { summary, steps, work, control, jobId };
}

/**
 * Uploads `body` and runs its first invocation with `budget` looks at the clock: the continuation event it left
 * (taken off the control queue) and its job.
 */
async function firstCheckpoint(key: string, body: string, budget: number) {
  const { etag, size } = await upload(key, body);
  const { work, control } = await newQueues();
  const handler = handlerFor(work.url, control.url);
  const first = await handler(
    objectCreatedEvent({ bucket: aws.bucket, key, size, eTag: etag }),
    countingContext(budget),
  );
  const event = await nextContinuation(control.url);
  if (event === undefined) throw new Error("no continuation event");
  const { jobId } = parseContinuationMessage(event.Records[0]?.body ?? "");
  return { etag, work, control, handler, first, event, jobId };
}

/** How many times pass 1 looks at the clock on these CSV bytes: once a place (a user's block of rows). */
async function passOneLooks(csv: string): Promise<number> {
  let places = 0;
  await readUserFactors(
    () => Readable.from([Buffer.from(csv)]),
    CSV,
    {},
    {
      shouldStop: () => {
        places += 1;
        return false;
      },
    },
  ).check();
  return places;
}

/** The same file ingested in one go, without a job: the reference the continued ingest must equal. */
async function reference(key: string, etag: string) {
  const { work } = await newQueues();
  const summary = await ingestObject(
    { bucket: aws.bucket, key, etag },
    { s3: aws.s3, sqs: aws.sqs, queueUrl: work.url },
  );
  return { summary, rejects: await text(summary.reports.rejects), bodies: peekAllBodies(aws, work.url) };
}

function usersOf(bodies: readonly string[]): string[] {
  return bodies.map((body) => (JSON.parse(body) as UserFactorsMessage).userId);
}

const stable = (summary: IngestSummary) => {
  const { startedAt: _s, finishedAt: _f, durationMs: _d, source: _source, ...rest } = summary;
  return rest;
};

describe("ingest continued across invocations from checkpoints", () => {
  it("sends each user of a 200,000-user CSV exactly once over many invocations, one cut between the passes, with exact counts and the whole rejects report", async () => {
    const generated = generateUsersCsv({ users: 200_000, seed: 14, invalidEvery: 97 });
    // A user split over two places (its first block far from its second): rejected in both, sent in neither.
    const firstRow = generated.csv.split("\n")[1] as string;
    const csv = `${generated.csv}${firstRow}\n`;
    const key = "incoming/continue/big.csv";
    const { etag, size } = await upload(key, csv);
    const expected = await reference(key, etag);
    const places = await passOneLooks(csv);
    // The places of the file in order (a user's block of contiguous rows), with their first line and rows.
    const blocks: { line: number; rows: number }[] = [];
    const lines = csv.split("\n");
    for (let n = 2; n <= lines.length; n++) {
      const id = lines[n - 1]?.split(",")[0];
      if (!id) continue;
      const last = blocks.at(-1);
      if (last !== undefined && lines[n - 2]?.split(",")[0] === id) last.rows += 1;
      else blocks.push({ line: n, rows: 1 });
    }
    expect(blocks).toHaveLength(places);
    // The first pass-2 invocation runs out of time as it reaches a user of several rows (it has read into
    // them): the cut is before that user, whose rows all go to the next invocation.
    const multiRow = blocks.findIndex((block, index) => index >= 30_000 && block.rows > 1);
    // The first invocation has just enough for pass 1 (one look a place): it hands over between the passes;
    // pass 2 looks once a place (cut when fewer than MARGIN are left); later continuations send about 30,000 each.
    const run = await ingestInSteps(key, size, etag, (invocation) =>
      invocation === 0 ? places + MARGIN : invocation === 1 ? multiRow + MARGIN : 30_000 + MARGIN,
    );

    // The invocation that began pass 2 after the cut between the passes moved the job to sending.
    expect(run.steps[1]).toMatchObject({ pass: 2, line: 1, status: "sending" });
    expect(run.steps[2]).toMatchObject({ pass: 2, line: blocks[multiRow]?.line });
    expect(blocks[multiRow]?.rows).toBeGreaterThan(1);
    const continuations = run.steps.length - 1;
    expect(continuations).toBeGreaterThanOrEqual(5);

    const sent = usersOf(peekAllBodies(aws, run.work.url));
    expect(sent).toHaveLength(expected.summary.sent);
    expect(new Set(sent).size).toBe(sent.length);
    expect(new Set(sent)).toEqual(new Set(usersOf(expected.bodies)));
    expect(stable(run.summary)).toEqual(stable(expected.summary));
    expect(run.summary.users).toBe(200_000);
    // The generator repeats some ids, and the split user: users in two places, found across invocations.
    expect(run.summary.duplicated).toBe(expected.summary.duplicated);
    expect(run.summary.duplicated).toBeGreaterThan(0);
    expect(await text(run.summary.reports.rejects)).toBe(expected.rejects);

    const job = await store.getJob(run.jobId);
    expect(job).toMatchObject({
      status: "applying",
      users: expected.summary.users,
      valid: expected.summary.valid,
      rejected: expected.summary.rejected,
      sent: expected.summary.sent,
      failedToSend: 0,
      pending: expected.summary.sent,
      ingestInvocations: run.steps.length,
    });
    expect(job?.checkpoint).toBeUndefined();
    expect(countProblems(job ?? ({} as never))).toEqual([]);
    // Nothing of the ingest's own state is left behind, only the reports.
    const listed = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: "reports/.ingest/" }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 600_000);

  it("resumes a gzip JSONL by inflating to the checkpoint, including a cut inside pass 1", async () => {
    const lines: string[] = [];
    for (let n = 1; n <= 30_000; n++) {
      const methods =
        n % 50 === 0
          ? [{ type: "totp", totp_secret: "not base32!" }]
          : [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }];
      lines.push(JSON.stringify({ user_id: `auth0|gz-${n}`, authentication_methods: methods }));
      if (n % 5000 === 0) lines.push("");
    }
    lines.push(JSON.stringify({ user_id: "auth0|gz-7", authentication_methods: [] }));
    const key = "incoming/continue/users.jsonl.gz";
    const { etag, size } = await upload(key, gzip(`${lines.join("\n")}\n`));
    const expected = await reference(key, etag);
    const run = await ingestInSteps(key, size, etag, (invocation) =>
      invocation === 0 ? 12_000 + MARGIN : 5_000 + MARGIN,
    );

    expect(run.steps[1]?.pass).toBe(1);
    expect(run.steps.length - 1).toBeGreaterThanOrEqual(5);
    const sent = usersOf(peekAllBodies(aws, run.work.url));
    expect(sent).toHaveLength(expected.summary.sent);
    expect(new Set(sent).size).toBe(sent.length);
    expect(stable(run.summary)).toEqual(stable(expected.summary));
    // 600 invalid secrets, and auth0|gz-7 on two lines.
    expect(run.summary).toMatchObject({ users: 30_000, rejected: 601, valid: 29_399, duplicated: 1 });
    expect(await text(run.summary.reports.rejects)).toBe(expected.rejects);
    expect(await store.getJob(run.jobId)).toMatchObject({
      users: 30_000,
      sent: 29_399,
      ingestInvocations: run.steps.length,
    });
  }, 300_000);

  it("does nothing with a continuation event delivered twice, whether after the first or at the same time", async () => {
    const generated = generateUsersCsv({ users: 3_000, seed: 15 });
    const key = "incoming/continue/twice.csv";
    const { etag, size } = await upload(key, generated.csv);
    const { work, control } = await newQueues();
    const handler = handlerFor(work.url, control.url);
    expect(
      await handler(
        objectCreatedEvent({ bucket: aws.bucket, key, size, eTag: etag }),
        countingContext(2_000 + MARGIN),
      ),
    ).toEqual([]);
    // The same event twice at once: one claims the checkpoint, the other finds it held.
    const event = await nextContinuation(control.url);
    if (event === undefined) throw new Error("no continuation event");
    const [a, b] = await Promise.all([
      handler(event, countingContext(1_500 + MARGIN)),
      handler(event, countingContext(1_500 + MARGIN)),
    ]);
    expect([a, b].filter((summaries) => summaries.length > 0)).toEqual([]);
    // Later, once more: its checkpoint is no longer the job's.
    expect(await handler(event, countingContext(1_500 + MARGIN))).toEqual([]);
    let summary: IngestSummary | undefined;
    let handled = 0;
    for (
      let next = await nextContinuation(control.url);
      next !== undefined;
      next = await nextContinuation(control.url)
    ) {
      [summary] = await handler(next, countingContext(1_500 + MARGIN));
      handled += 1;
      if (summary !== undefined) expect(await handler(next, countingContext(1_500 + MARGIN))).toEqual([]);
    }
    const expected = await reference(key, etag);
    expect(stable(summary as IngestSummary)).toEqual(stable(expected.summary));
    const sent = usersOf(await receiveAllBodies(aws.sqs, work.url));
    expect(sent).toHaveLength(summary?.sent ?? -1);
    expect(new Set(sent).size).toBe(sent.length);
    const job = await store.getJob(summary?.source.jobId ?? "");
    // The first invocation, the duplicated event once, each later one once: the refused duplicates are not counted.
    expect(job).toMatchObject({
      sent: expected.summary.sent,
      users: expected.summary.users,
      ingestInvocations: 2 + handled,
    });
  }, 120_000);

  it("takes over a continuation whose invocation died between checkpoints: users within its send mark are not sent again, counts stay exact", async () => {
    const generated = generateUsersCsv({ users: 6_000, seed: 17, invalidEvery: 97 });
    const key = "incoming/continue/crash.csv";
    // Checkpoint 1 in pass 2, after about 500 users.
    const places = await passOneLooks(generated.csv);
    const { etag, work, control, event, jobId } = await firstCheckpoint(
      key,
      generated.csv,
      places + MARGIN + 500,
    );
    const expected = await reference(key, etag);
    const checkpoint = parseIngestCheckpoint((await store.getJob(jobId))?.checkpoint);
    expect(checkpoint).toMatchObject({ seq: 1, pass: 2 });
    const atCheckpoint = checkpoint.fanout.sent;

    // The continuation runs in a process of its own, killed once it has sent 2,600 more users.
    const input: IngestProcessInput = {
      awsEndpoint: aws.endpoint,
      dynamoEndpoint: aws.jobs.endpoint,
      tableName: aws.jobs.tableName,
      workQueueUrl: work.url,
      controlQueueUrl: control.url,
      event,
      budget: 1_000_000,
      marginMs: MARGIN,
    };
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("../../helpers/ingestProcess.ts", import.meta.url)),
        JSON.stringify(input),
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the ingest process ended by itself (${child.exitCode})`);
      if ((aws.inspectQueue(work.url)?.ready.length ?? 0) >= atCheckpoint + 2_600) break;
      await new Promise((wait) => setTimeout(wait, 20));
    }
    child.kill("SIGKILL");
    await exited;
    const beforeTakeOver = usersOf(peekAllBodies(aws, work.url));
    const item = await aws.jobs.client.send(
      new GetItemCommand({ TableName: aws.jobs.tableName, Key: jobKey(jobId) }),
    );
    const mark = JSON.parse(item.Item?.ingestMark?.S ?? "{}") as { seq: number; line: number; sent: number };
    // The dead invocation saved how far it had sent without a gap, with its reservations of 1,000 users.
    expect(mark.seq).toBe(1);
    expect(mark.sent).toBeGreaterThanOrEqual(1_000);
    const sentByDead = beforeTakeOver.length - atCheckpoint;

    // Its message comes back after the visibility timeout and its lease has run out: another invocation takes
    // the checkpoint over.
    const later = new DynamoCheckpointStore({
      client: aws.jobs.client,
      tableName: aws.jobs.tableName,
      clock: () => Date.now() + 3_600_000,
    });
    const takeOver = handlerFor(work.url, control.url, { checkpoints: later });
    const [summary] = await takeOver(event, countingContext(1_000_000));
    expect(summary).toBeDefined();
    expect(stable(summary as IngestSummary)).toEqual(stable(expected.summary));
    expect(await text(expected.summary.reports.rejects)).toBe(expected.rejects);

    const sent = usersOf(peekAllBodies(aws, work.url));
    expect(new Set(sent)).toEqual(new Set(usersOf(expected.bodies)));
    // Sent twice: exactly the users the dead invocation sent after its last mark, no more than one reservation
    // (1,000) and the calls in flight (10 of 10) after it.
    const counted = new Map<string, number>();
    for (const user of sent) counted.set(user, (counted.get(user) ?? 0) + 1);
    const twice = [...counted].filter(([, times]) => times > 1);
    expect(twice.every(([, times]) => times === 2)).toBe(true);
    expect(twice).toHaveLength(sentByDead - mark.sent);
    expect(twice.length).toBeLessThanOrEqual(1_100);
    // And all of them start after the mark's line: none within it went again.
    const firstLine = new Map<string, number>();
    generated.csv.split("\n").forEach((row, index) => {
      const id = row.split(",")[0] ?? "";
      if (index > 0 && !firstLine.has(id)) firstLine.set(id, index + 1);
    });
    expect(twice.filter(([user]) => (firstLine.get(user) ?? 0) <= mark.line)).toEqual([]);
    // The job counts each user once, and every reservation of the dead invocation is given back.
    expect(await store.getJob(jobId)).toMatchObject({
      status: "applying",
      users: expected.summary.users,
      valid: expected.summary.valid,
      rejected: expected.summary.rejected,
      sent: expected.summary.sent,
      pending: expected.summary.sent,
      failedToSend: 0,
      ingestInvocations: 3,
    });
  }, 120_000);

  it("takes over a pass-1 checkpoint whose next invocation wrote its table of users and died before saving its checkpoint: the same counts as a clean run", async () => {
    const generated = generateUsersCsv({ users: 3_000, seed: 19, invalidEvery: 97 });
    const key = "incoming/continue/table-crash.csv";
    // Checkpoint 1 inside pass 1.
    const { etag, work, control, event, jobId } = await firstCheckpoint(key, generated.csv, 1_000 + MARGIN);
    const expected = await reference(key, etag);
    expect(parseIngestCheckpoint((await store.getJob(jobId))?.checkpoint)).toMatchObject({ seq: 1, pass: 1 });

    // The next invocation cuts inside pass 1 again, writes its table, and dies before its checkpoint is saved
    // (its save never returns).
    let saving: () => void = () => {};
    const reachedSave = new Promise<void>((done) => {
      saving = done;
    });
    const dying = handlerFor(work.url, control.url, {
      checkpoints: checkpointsSaving(() => {
        saving();
        return new Promise<void>(() => {});
      }),
    });
    void dying(event, countingContext(1_000 + MARGIN));
    await reachedSave;
    expect(parseIngestCheckpoint((await store.getJob(jobId))?.checkpoint)).toMatchObject({ seq: 1, pass: 1 });

    // Its lease runs out and the redelivered event is taken over from checkpoint 1.
    const later = new DynamoCheckpointStore({
      client: aws.jobs.client,
      tableName: aws.jobs.tableName,
      clock: () => Date.now() + 3_600_000,
    });
    const takeOver = handlerFor(work.url, control.url, { checkpoints: later });
    const [summary] = await takeOver(event, countingContext(1_000_000));
    expect(stable(summary as IngestSummary)).toEqual(stable(expected.summary));
    expect(summary?.duplicated).toBe(expected.summary.duplicated);
    expect(await text(expected.summary.reports.rejects)).toBe(expected.rejects);
    const sent = usersOf(peekAllBodies(aws, work.url));
    expect(sent).toHaveLength(expected.summary.sent);
    expect(new Set(sent)).toEqual(new Set(usersOf(expected.bodies)));
    expect(await store.getJob(jobId)).toMatchObject({
      status: "applying",
      users: expected.summary.users,
      valid: expected.summary.valid,
      rejected: expected.summary.rejected,
      sent: expected.summary.sent,
      failedToSend: 0,
    });
    // Neither table is left behind: the one of checkpoint 1, nor the dead invocation's.
    const left = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: `reports/.ingest/${jobId}/places` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  }, 60_000);

  it("leaves a job to the redelivery of a continuation that failed before its last receive, and fails it on the last", async () => {
    const generated = generateUsersCsv({ users: 3_000, seed: 20, invalidEvery: 97 });
    const key = "incoming/continue/transient.csv";
    const { etag, work, control, handler, event, jobId } = await firstCheckpoint(
      key,
      generated.csv,
      1_000 + MARGIN,
    );
    const expected = await reference(key, etag);
    /** The event as the control queue delivers it on its `receive`-th receive. */
    const received = (receive: number): SQSEvent => ({
      Records: event.Records.map((record) => ({
        ...record,
        attributes: { ...record.attributes, ApproximateReceiveCount: String(receive) },
      })),
    });
    // Saving the next checkpoint fails (DynamoDB unusable for a moment).
    const unusable = handlerFor(work.url, control.url, {
      checkpoints: checkpointsSaving(() => Promise.reject(new Error("ProvisionedThroughputExceeded"))),
      maxReceiveCount: 3,
    });
    // Receives 1 and 2 of 3: the invocation fails, the job is left as it was, its checkpoint free to take over.
    for (const receive of [1, 2]) {
      await expect(unusable(received(receive), countingContext(1_000 + MARGIN))).rejects.toThrow(
        "ProvisionedThroughputExceeded",
      );
      const job = await store.getJob(jobId);
      expect(job?.status).toBe("validating");
      expect(job?.ingestFinishedAt).toBeUndefined();
      expect(parseIngestCheckpoint(job?.checkpoint)).toMatchObject({ seq: 1, pass: 1 });
    }
    // The redelivery after DynamoDB is back (receive 3, the last) goes on and finishes, counts exact.
    let summary: IngestSummary | undefined;
    let next: SQSEvent | undefined = received(3);
    while (next !== undefined) {
      [summary] = await handler(next, countingContext(1_000_000));
      next = await nextContinuation(control.url);
    }
    expect(stable(summary as IngestSummary)).toEqual(stable(expected.summary));
    const sent = usersOf(peekAllBodies(aws, work.url));
    expect(sent).toHaveLength(expected.summary.sent);
    expect(new Set(sent)).toEqual(new Set(usersOf(expected.bodies)));
    expect(await store.getJob(jobId)).toMatchObject({
      status: "applying",
      users: expected.summary.users,
      valid: expected.summary.valid,
      rejected: expected.summary.rejected,
      sent: expected.summary.sent,
      failedToSend: 0,
      // The first invocation, the two that failed, the one that finished.
      ingestInvocations: 4,
    });

    // Another upload whose continuation fails on its last receive: the job fails (the DLQ runbook's case).
    const { event: last, jobId: lastJob } = await firstCheckpoint(
      "incoming/continue/transient-last.csv",
      generated.csv,
      1_000 + MARGIN,
    );
    await expect(
      unusable(
        {
          Records: last.Records.map((record) => ({
            ...record,
            attributes: { ...record.attributes, ApproximateReceiveCount: "3" },
          })),
        },
        countingContext(1_000 + MARGIN),
      ),
    ).rejects.toThrow("ProvisionedThroughputExceeded");
    expect(await store.getJob(lastJob)).toMatchObject({ status: "failed" });
  }, 60_000);

  it("keeps the checkpoint of a last invocation that dies before its job has its totals: the sweep flags the job stalled", async () => {
    const generated = generateUsersCsv({ users: 2_000, seed: 21 });
    const key = "incoming/continue/end-crash.csv";
    const { work, control, event, jobId } = await firstCheckpoint(key, generated.csv, 1_000 + MARGIN);
    // The last invocation dies as it writes the job's totals (the write never returns).
    let finishing: () => void = () => {};
    const reachedFinish = new Promise<void>((done) => {
      finishing = done;
    });
    const dyingStore = new Proxy(store, {
      get(target, property, receiver) {
        if (property === "finishIngest") {
          return () => {
            finishing();
            return new Promise<never>(() => {});
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const dying = handlerFor(work.url, control.url, { store: dyingStore });
    void dying(event, countingContext(1_000_000));
    await reachedFinish;
    const job = await store.getJob(jobId);
    expect(job?.ingestFinishedAt).toBeUndefined();
    const checkpoint = parseIngestCheckpoint(job?.checkpoint);
    expect(checkpoint).toMatchObject({ seq: 1, pass: 1 });
    // Its control message was deleted (or is lost): twice the function's timeout later, the job is stalled.
    const savedAt = Date.parse(checkpoint.savedAt);
    const stalled = findStalledIngests(
      (await store.listJobs()).filter((one) => one.id === jobId),
      savedAt + 1_800_001,
      900_000,
    );
    expect(stalled.map((one) => one.jobId)).toEqual([jobId]);
  }, 60_000);

  it("keeps no cell of the file in the job item: a file error's message stays in S3, the checkpoint has its name and line", async () => {
    const cell = "JBSWY3DPEHPK3PXQ";
    const csv = `user_id,type,${cell}\nauth0|h-1,totp,x\nauth0|h-2,totp,y\n`;
    const key = "incoming/continue/bad-header.csv";
    const { etag, size } = await upload(key, csv);
    const expected = await reference(key, etag);
    expect(expected.summary.fileError?.message).toContain(cell);
    const { work, control } = await newQueues();
    const handler = handlerFor(work.url, control.url);
    // Out of time at the first look, after pass 1 (a header error: no look within it): the checkpoint between
    // the passes carries pass 1's file error.
    expect(
      await handler(
        objectCreatedEvent({ bucket: aws.bucket, key, size, eTag: etag }),
        countingContext(MARGIN),
      ),
    ).toEqual([]);
    const event = await nextContinuation(control.url);
    if (event === undefined) throw new Error("no continuation event");
    const { jobId } = parseContinuationMessage(event.Records[0]?.body ?? "");
    const item = await aws.jobs.client.send(
      new GetItemCommand({ TableName: aws.jobs.tableName, Key: jobKey(jobId) }),
    );
    expect(JSON.stringify(item.Item)).not.toContain(cell);
    expect(parseIngestCheckpoint((await store.getJob(jobId))?.checkpoint).fileError).toEqual({
      name: "UnknownColumnError",
      line: 1,
    });
    // The next invocation says the same as a run in one go: the message, from S3, in the summary.
    const [summary] = await handler(event, countingContext(1_000_000));
    expect(stable(summary as IngestSummary)).toEqual(stable(expected.summary));
    const after = await aws.jobs.client.send(
      new GetItemCommand({ TableName: aws.jobs.tableName, Key: jobKey(jobId) }),
    );
    expect(JSON.stringify(after.Item)).not.toContain(cell);
    expect(await store.getJob(jobId)).toMatchObject({ status: "failed" });
    const left = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: `reports/.ingest/${jobId}/` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  }, 60_000);

  it("goes on reading a job cancelled between invocations, for its rejects report, and sends nothing more", async () => {
    const generated = generateUsersCsv({ users: 3_000, seed: 18, invalidEvery: 97 });
    const key = "incoming/continue/cancelled.csv";
    const places = await passOneLooks(generated.csv);
    const { etag, work, handler, event, jobId } = await firstCheckpoint(
      key,
      generated.csv,
      places + MARGIN + 500,
    );
    const expected = await reference(key, etag);
    const sentBefore = peekAllBodies(aws, work.url).length;
    expect(sentBefore).toBeGreaterThan(0);
    await store.cancel(jobId);

    const [summary] = await handler(event, countingContext(1_000_000));
    expect(summary).toMatchObject({
      users: expected.summary.users,
      valid: expected.summary.valid,
      rejected: expected.summary.rejected,
      sent: sentBefore,
    });
    expect(await text(expected.summary.reports.rejects)).toBe(expected.rejects);
    expect(peekAllBodies(aws, work.url)).toHaveLength(sentBefore);
    // The users not sent count as sent and cancelled; those sent wait for apply, which drops them.
    expect(await store.getJob(jobId)).toMatchObject({
      status: "cancelled",
      users: expected.summary.users,
      valid: expected.summary.valid,
      sent: expected.summary.valid,
      failedToSend: 0,
      cancelled: expected.summary.valid - sentBefore,
      pending: sentBefore,
      ingestInvocations: 2,
    });
  }, 60_000);

  it("shows a job whose checkpoint was written but whose next invocation was lost as stalled", async () => {
    // A jobs table of its own: the sweep sees exactly this job.
    const tableName = "continue-stalled-jobs";
    await createJobsTable(aws.jobs.client, tableName);
    const ownStore = new DynamoJobStore({ client: aws.jobs.client, tableName });
    const ownCheckpoints = new DynamoCheckpointStore({ client: aws.jobs.client, tableName });
    const generated = generateUsersCsv({ users: 2_000, seed: 16 });
    const key = "incoming/continue/lost.csv";
    const { etag, size } = await upload(key, generated.csv);
    const { work, control } = await newQueues();
    const handler = handlerFor(work.url, control.url, { store: ownStore, checkpoints: ownCheckpoints });
    await handler(
      objectCreatedEvent({ bucket: aws.bucket, key, size, eTag: etag }),
      countingContext(1_000 + MARGIN),
    );
    // The continuation is lost: nobody receives it.
    const [message] = await receiveAllBodies(aws.sqs, control.url);
    const { jobId } = parseContinuationMessage(message ?? "");
    const job = await ownStore.getJob(jobId);
    const savedAt = Date.parse(parseIngestCheckpoint(job?.checkpoint).savedAt);
    const jobs = await ownStore.listJobs();
    expect(jobs.map((one) => one.id)).toEqual([jobId]);
    // Not yet stalled within twice the function's timeout; stalled after it.
    expect(findStalledIngests(jobs, savedAt + 1_799_000, 900_000)).toEqual([]);
    expect(findStalledIngests(jobs, savedAt + 1_800_001, 900_000)).toEqual([
      {
        jobId,
        seq: 1,
        pass: 1,
        status: "validating",
        savedAt: new Date(savedAt).toISOString(),
        ageMs: 1_800_001,
      },
    ]);
    // The sweep (the ingest function on a schedule) emits the metric the stalled-ingest alarm watches.
    const captured = capturedMetrics({
      clock: () => savedAt + 1_800_001,
      functionName: "factor-sync-ingest",
    });
    const sweep = createIngestHandler({
      s3: aws.s3,
      sqs: aws.sqs,
      logger: silentLogger,
      now: () => new Date(savedAt + 1_800_001),
      metrics: captured.metrics,
      config: { queueUrl: work.url, reportsPrefix: "reports/", sendConcurrency: 10 },
      jobs: {
        store: ownStore,
        continuation: { checkpoints: ownCheckpoints, controlQueueUrl: control.url, timeoutMs: 900_000 },
      },
    });
    const scheduled = { source: "aws.events", "detail-type": "Scheduled Event" } as unknown as Parameters<
      typeof sweep
    >[0];
    expect(await sweep(scheduled)).toEqual([]);
    const [document] = captured.documents();
    expect(document?._aws).toEqual({
      Timestamp: savedAt + 1_800_001,
      CloudWatchMetrics: [
        {
          Namespace: "FactorSync",
          Dimensions: [["FunctionName"]],
          Metrics: [{ Name: "StalledIngests", Unit: "Count" }],
        },
      ],
    });
    // Exactly this job: the StalledIngest alarm fires at 1 (its threshold, checked in test/infra/FactorSyncStack.test.ts).
    expect(captured.valuesOfAll()).toEqual([{ FunctionName: "factor-sync-ingest", StalledIngests: 1 }]);
  }, 60_000);
});
