import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createApplyHandler } from "../../../lib/apply/createApplyHandler.js";
import type { AuthenticationMethodsWriter, RequestPacer } from "../../../lib/apply/types.js";
import type { PutOutcome } from "../../../lib/auth0/PutOutcome.js";
import { RecordingApplyQueue, userRecord } from "../../helpers/applyRecords.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { ManualClock } from "../../helpers/manualClock.js";
import { capturedMetrics, stdoutOf } from "../../helpers/metrics.js";

const AT = Date.UTC(2026, 11, 1, 15, 0, 0);

/** A tenant whose answers and their latency are scripted per user. */
function scriptedTenant(time: ManualClock, answers: Record<string, [PutOutcome, number]>) {
  const client: AuthenticationMethodsWriter = {
    async putAuthenticationMethods(userId) {
      const [outcome, latencyMs] = answers[userId] ?? [{ kind: "applied", status: 200 }, 0];
      time.advance(latencyMs);
      return outcome;
    },
  };
  return client;
}

/** A pacer that grants every slot at once. */
const openPacer = (): RequestPacer => ({
  acquire: async () => true,
  observe() {},
  throttled() {},
  pausedUntilMs: Number.NEGATIVE_INFINITY,
});

const rateLimit = (remaining: number) => ({ limit: 50, remaining, resetAtMs: AT + 1000 });

function setUp() {
  const time = new ManualClock(AT);
  const { metrics, documents } = capturedMetrics({ clock: time.clock, functionName: "FactorSync-Apply-abc" });
  const { logger, lines } = capturedLogger("info");
  const queue = new RecordingApplyQueue();
  const client = scriptedTenant(time, {
    "auth0|user-1": [{ kind: "applied", status: 200, rateLimit: rateLimit(30) }, 80],
    "auth0|user-2": [
      {
        kind: "permanent",
        status: 404,
        errorCode: "inexistent_user",
        message: "The user does not exist.",
        rateLimit: rateLimit(29),
      },
      40,
    ],
    "auth0|user-3": [{ kind: "applied", status: 200, rateLimit: rateLimit(12) }, 120],
  });
  const handler = createApplyHandler({
    client,
    pacer: openPacer(),
    queue,
    logger,
    metrics,
    clock: time.clock,
    sleep: async () => {},
    options: { applyConcurrency: 1 },
  });
  return { handler, queue, documents, lines };
}

const event = (...users: number[]): SQSEvent => ({ Records: users.map((n) => userRecord(n)) });
const context = (awsRequestId?: string) => ({
  getRemainingTimeInMillis: () => 60_000,
  ...(awsRequestId === undefined ? {} : { awsRequestId }),
});

describe("createApplyHandler", () => {
  it("writes one EMF document per invocation: PUT outcomes, latency, pacer waits, lowest remaining and every batch count", async () => {
    const { handler, queue, documents } = setUp();
    await expect(handler(event(1, 2, 3), context("req-1"))).resolves.toEqual({ batchItemFailures: [] });
    expect(queue.deadLetters.map((letter) => letter.messageId)).toEqual(["msg-2"]);

    const [document, ...more] = documents();
    expect(more).toEqual([]);
    const { _aws, ...values } = document ?? {};
    expect(values).toEqual({
      requestId: "req-1",
      FunctionName: "FactorSync-Apply-abc",
      PacerWait: [0, 0, 0],
      PutLatency: [80, 40, 120],
      PutsApplied: 2,
      PutsFailed: 1,
      RateLimitRemaining: 12,
      Applied: 2,
      DeadLettered: 1,
      Retried: 0,
      Deferred: 0,
      Requeued: 0,
      Superseded: 0,
      Throttled: 0,
      Cancelled: 0,
      AlreadyCounted: 0,
      HeldByCircuit: 0,
      HeldByConfiguration: 0,
      // The test records were sent at the helpers' ManualClock start; this clock is 45 h after it.
      OldestWorkAgeSeconds: 162_000,
    });
    expect(_aws).toMatchObject({
      Timestamp: AT + 240,
      CloudWatchMetrics: [{ Namespace: "FactorSync", Dimensions: [["FunctionName"]] }],
    });
  });

  it("starts each invocation's metrics afresh, under its own request id", async () => {
    const { handler, documents } = setUp();
    await handler(event(1, 2), context("req-1"));
    await handler(event(3), context("req-2"));
    expect(
      documents().map((document) => [document.requestId, document.PutsApplied, document.Applied]),
    ).toEqual([
      ["req-1", 1, 1],
      ["req-2", 1, 1],
    ]);
    expect(documents()[1]).toMatchObject({ PutLatency: 120, RateLimitRemaining: 12, DeadLettered: 0 });
  });

  it("puts the invocation's request id on every log line it writes", async () => {
    const { handler, lines } = setUp();
    await handler(event(1, 2), context("req-7"));
    await handler(event(3), context("req-8"));
    const logged = lines().map((line) => JSON.parse(line) as { requestId?: string; msg: string });
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged.filter((line) => line.msg === "batch done").map((line) => line.requestId)).toEqual([
      "req-7",
      "req-8",
    ]);
    for (const line of logged) expect(["req-7", "req-8"]).toContain(line.requestId);
  });

  it("without a request id (the local runner), logs and flushes without one", async () => {
    const { handler, documents, lines } = setUp();
    await handler(event(1), context());
    expect(documents()[0]).not.toHaveProperty("requestId");
    expect(documents()[0]).toMatchObject({ PutsApplied: 1, Applied: 1 });
    for (const line of lines()) expect(JSON.parse(line)).not.toHaveProperty("requestId");
  });

  it("records nothing anywhere when no metrics are given", async () => {
    const { logger } = capturedLogger();
    const handler = createApplyHandler({
      client: scriptedTenant(new ManualClock(AT), {}),
      pacer: openPacer(),
      queue: new RecordingApplyQueue(),
      logger,
      sleep: async () => {},
    });
    const written = await stdoutOf(async () => {
      await expect(handler(event(1), context("req-1"))).resolves.toEqual({ batchItemFailures: [] });
    });
    expect(written).toEqual([]);
  });
});
