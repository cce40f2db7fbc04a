import { setTimeout as sleep } from "node:timers/promises";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalRunOptionsError } from "../../../lib/local/errors.js";
import {
  type InvocationContext,
  type InvocationReport,
  SqsEventSource,
  type SqsEventSourceOptions,
} from "../../../lib/local/SqsEventSource.js";
import {
  createTestQueue,
  type LocalAwsHarness,
  queueDepth,
  startLocalAwsHarness,
  type TestQueue,
} from "../../helpers/localAwsHarness.js";

async function sendBodies(harness: LocalAwsHarness, queue: TestQueue, bodies: string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const entries = bodies.slice(start, start + 10).map((body, index) => ({
      Id: String(index),
      MessageBody: body,
      MessageAttributes: { kind: { DataType: "String", StringValue: "test" } },
    }));
    await harness.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
  }
}

const bodies = (count: number, prefix = "ok") => Array.from({ length: count }, (_, n) => `${prefix}-${n}`);

describe("SqsEventSource", () => {
  let harness: LocalAwsHarness;
  let dlq: TestQueue;
  let work: TestQueue;

  beforeEach(async () => {
    harness = await startLocalAwsHarness();
    dlq = await createTestQueue(harness, "work-dlq");
    work = await createTestQueue(harness, "work", {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
  });
  afterEach(async () => {
    await harness.stop();
  });

  function source(handler: SqsEventSourceOptions["handler"], options: Partial<SqsEventSourceOptions> = {}) {
    return new SqsEventSource({
      sqs: harness.sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      handler,
      maxBatchingWindowSeconds: 0,
      ...options,
    });
  }

  it("hands every message once to the handler in batches of at most batchSize, as Lambda's records, and deletes them", async () => {
    await sendBodies(harness, work, bodies(23));
    const events: SQSEvent[] = [];
    const reports: InvocationReport[] = [];
    const eventSource = source(
      async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      { batchSize: 4, onInvocation: (report) => reports.push(report) },
    );

    const stats = await eventSource.finishWhenDrained();

    const records = events.flatMap((event) => event.Records);
    expect(records.map((record) => record.body).sort()).toEqual(bodies(23).sort());
    expect(Math.max(...events.map((event) => event.Records.length))).toBeLessThanOrEqual(4);
    const first = records[0] as SQSRecord;
    expect(first).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: first.body,
      attributes: expect.objectContaining({
        ApproximateReceiveCount: "1",
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      }),
      messageAttributes: {
        kind: { stringValue: "test", stringListValues: [], binaryListValues: [], dataType: "String" },
      },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventSource: "aws:sqs",
      eventSourceARN: work.arn,
      awsRegion: "us-east-1",
    });
    expect(stats).toEqual({
      invocations: events.length,
      records: 23,
      deleted: 23,
      failedRecords: 0,
      batchFailures: 0,
      drained: true,
    });
    expect(reports.filter((report) => report.outcome !== "success")).toEqual([]);
    expect(await queueDepth(harness.sqs, work.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("leaves batch item failures for redelivery until SQS moves them to the DLQ after maxReceiveCount", async () => {
    await sendBodies(harness, work, [...bodies(8), ...bodies(3, "fail")]);
    const receivesOfFailing = new Map<string, string[]>();
    const eventSource = source(async (event) => {
      const failing = event.Records.filter((record) => record.body.startsWith("fail"));
      for (const record of failing) {
        const counts = receivesOfFailing.get(record.body) ?? [];
        counts.push(record.attributes.ApproximateReceiveCount);
        receivesOfFailing.set(record.body, counts);
      }
      return { batchItemFailures: failing.map((record) => ({ itemIdentifier: record.messageId })) };
    });

    const stats = await eventSource.finishWhenDrained();

    expect(Object.fromEntries(receivesOfFailing)).toEqual({
      "fail-0": ["1", "2"],
      "fail-1": ["1", "2"],
      "fail-2": ["1", "2"],
    });
    expect(stats).toMatchObject({
      records: 14,
      deleted: 8,
      failedRecords: 6,
      batchFailures: 0,
      drained: true,
    });
    expect(await queueDepth(harness.sqs, work.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await queueDepth(harness.sqs, dlq.url)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
  });

  it("fails the whole batch when the handler throws, and delivers it again after the visibility timeout", async () => {
    await sendBodies(harness, work, bodies(5));
    let calls = 0;
    const seen: string[] = [];
    const reports: InvocationReport[] = [];
    const eventSource = source(
      async (event) => {
        calls += 1;
        if (calls === 1) throw new Error("boom");
        seen.push(
          ...event.Records.map((record) => `${record.body}@${record.attributes.ApproximateReceiveCount}`),
        );
        return undefined;
      },
      { maxConcurrency: 1, onInvocation: (report) => reports.push(report) },
    );

    const stats = await eventSource.finishWhenDrained();

    expect(reports[0]).toEqual({
      requestId: expect.any(String),
      records: 5,
      deleted: 0,
      failed: 5,
      outcome: "error",
      reason: "Error: boom",
    });
    expect(seen.sort()).toEqual(bodies(5).map((body) => `${body}@2`));
    expect(stats).toMatchObject({ deleted: 5, failedRecords: 5, batchFailures: 1, drained: true });
  });

  it.each([
    [{ batchItemFailures: [{ itemIdentifier: "" }] }, "a batch item failure has no itemIdentifier"],
    [
      { batchItemFailures: [{ itemIdentifier: "not-in-batch" }] },
      "itemIdentifier not-in-batch is not a message of this batch",
    ],
    ["ok", "the response is not a batch response object"],
  ])("fails the whole batch on the invalid response %j, as Lambda does", async (response, reason) => {
    await sendBodies(harness, work, bodies(2));
    const reports: InvocationReport[] = [];
    let calls = 0;
    const eventSource = source(async () => (++calls === 1 ? response : {}), {
      maxConcurrency: 1,
      onInvocation: (report) => reports.push(report),
    });

    await eventSource.finishWhenDrained();

    expect(reports[0]).toMatchObject({
      records: 2,
      deleted: 0,
      failed: 2,
      outcome: "invalid-response",
      reason,
    });
    expect(await queueDepth(harness.sqs, work.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("gives the handler a context counting down from the function timeout, and fails a batch that outlives it", async () => {
    await sendBodies(harness, work, bodies(1));
    // The context reads the injected clock, moved by the handler: exact readings whatever the machine's load.
    let now = 1_764_000_000_000;
    const remaining: number[] = [];
    const reports: InvocationReport[] = [];
    let calls = 0;
    const never = new Promise<never>(() => {});
    const eventSource = source(
      async (_event, context: InvocationContext) => {
        calls += 1;
        remaining.push(context.getRemainingTimeInMillis());
        now += 400;
        remaining.push(context.getRemainingTimeInMillis());
        now += 2_000;
        remaining.push(context.getRemainingTimeInMillis());
        // The first invocation outlives the (real) 1 s timeout; the redelivery answers.
        if (calls === 1) await never;
        return {};
      },
      {
        maxConcurrency: 1,
        functionTimeoutSeconds: 1,
        clock: () => now,
        onInvocation: (report) => reports.push(report),
      },
    );

    await eventSource.finishWhenDrained();

    expect(remaining).toEqual([1_000, 600, 0, 1_000, 600, 0]);
    expect(reports.map((report) => report.outcome)).toEqual(["timeout", "success"]);
    expect(reports[0]?.reason).toBe("timed out after 1 s");
  });

  it("runs up to maxConcurrency invocations at once, never more", async () => {
    await sendBodies(harness, work, bodies(30));
    let running = 0;
    let most = 0;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const eventSource = source(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await held;
        running -= 1;
        return {};
      },
      { maxConcurrency: 2 },
    );
    const drained = eventSource.finishWhenDrained();

    // Every invocation is held: two run, and the third batch waits in the queue, visible, though it could be
    // taken; only when they are released does it run.
    await expect.poll(() => running).toBe(2);
    expect(eventSource.running).toBe(2);
    expect(await queueDepth(harness.sqs, work.url)).toEqual({ visible: 10, inFlight: 20, delayed: 0 });
    release();
    const stats = await drained;

    expect(most).toBe(2);
    expect(stats).toMatchObject({ invocations: 3, deleted: 30 });
  });

  it("builds one handler per poller when given createHandler, as Lambda runs one container per concurrent invocation", async () => {
    await sendBodies(harness, work, bodies(12));
    const built: number[] = [];
    const handledBy = new Map<string, number>();
    const eventSource = new SqsEventSource({
      sqs: harness.sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 3,
      createHandler: (poller) => {
        built.push(poller);
        return async (event) => {
          for (const record of event.Records) handledBy.set(record.body, poller);
          return {};
        };
      },
    });

    await eventSource.finishWhenDrained();

    expect(built.sort()).toEqual([0, 1, 2]);
    expect([...handledBy.keys()].sort()).toEqual(bodies(12).sort());
  });

  it("stops receiving when told, lets the running invocation finish, and leaves the rest in the queue", async () => {
    await sendBodies(harness, work, bodies(30));
    const handled: string[] = [];
    let stopped: Promise<unknown> | undefined;
    const eventSource = source(
      async (event) => {
        stopped ??= eventSource.stop();
        await sleep(50);
        handled.push(...event.Records.map((record) => record.body));
        return {};
      },
      { maxConcurrency: 1, batchSize: 10 },
    );
    eventSource.start();

    await expect.poll(() => stopped).toBeDefined();
    const stats = await stopped;

    expect(handled).toHaveLength(10);
    expect(stats).toMatchObject({ invocations: 1, deleted: 10, drained: false });
    expect(await queueDepth(harness.sqs, work.url)).toEqual({ visible: 20, inFlight: 0, delayed: 0 });
  });

  it("waits for the producer: an empty queue is not drained until finishWhenDrained is called", async () => {
    const handled: string[] = [];
    const eventSource = source(async (event) => {
      handled.push(...event.Records.map((record) => record.body));
      return {};
    });
    eventSource.start();
    await sleep(1200);
    await sendBodies(harness, work, bodies(3));

    const stats = await eventSource.finishWhenDrained();

    expect(handled.sort()).toEqual(bodies(3));
    expect(stats.drained).toBe(true);
  });

  it.each([
    [{ batchSize: 0 }, "batchSize must be an integer from 1 to 10000, got 0"],
    [{ maxConcurrency: 1.5 }, "maxConcurrency must be an integer from 1 to 1000, got 1.5"],
    [{ functionTimeoutSeconds: 901 }, "functionTimeoutSeconds must be from 1 to 900, got 901"],
    [{ createHandler: () => async () => ({}) }, "handler or createHandler must be given, and not both"],
  ])("refuses %j with a LocalRunOptionsError", (options, message) => {
    expect(() => source(async () => ({}), options)).toThrow(LocalRunOptionsError);
    expect(() => source(async () => ({}), options)).toThrow(message);
  });
});
