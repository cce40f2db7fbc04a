import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { applyBatch } from "../../../lib/apply/applyBatch.js";
import { CircuitBreaker } from "../../../lib/apply/CircuitBreaker.js";
import { emptyApplyCounts } from "../../../lib/apply/emptyApplyCounts.js";
import type {
  ApplyDeps,
  ApplyOptions,
  ApplyOutcomeEvent,
  ConfigurationErrorEvent,
} from "../../../lib/apply/types.js";
import { toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";
import { ManagementApiClient } from "../../../lib/auth0/ManagementApiClient.js";
import { TokenProvider } from "../../../lib/auth0/TokenProvider.js";
import type { RecordHistory } from "../../../lib/messages/RecordHistory.js";
import { Pacer } from "../../../lib/pacing/Pacer.js";
import {
  RecordingApplyQueue,
  sqsRecord,
  TEST_SOURCE,
  userFactors,
  userRecord,
} from "../../helpers/applyRecords.js";
import {
  auth0Error,
  type FakeReply,
  fakeFetch,
  jsonResponse,
  type RecordedRequest,
  rateLimitHeaders,
  timeoutError,
  tokenResponse,
} from "../../helpers/auth0Fetch.js";
import { capturedLogger, sensitiveValues } from "../../helpers/capturedLogger.js";
import { ManualClock } from "../../helpers/manualClock.js";

const endpoint = toAuth0Endpoint("tenant.eu.auth0.com");
/** The history a requeued record carries: nothing before, plus what this receive adds. */
const historyOf = (record: SQSRecord, change: Partial<RecordHistory>): RecordHistory => ({
  attempts: 0,
  firstSentAtMs: Number(record.attributes.SentTimestamp),
  holds: 0,
  ...change,
});
const firstReceive = (record: SQSRecord) => Number(record.attributes.ApproximateFirstReceiveTimestamp);
const ok = () => jsonResponse(200, []);
const tooMany = (resetAtMs: number) =>
  jsonResponse(
    429,
    {
      statusCode: 429,
      error: "Too Many Requests",
      message: "Global limit has been reached",
      errorCode: "too_many_requests",
    },
    rateLimitHeaders({ limit: 50, remaining: 0, resetAtMs }),
  );

/** applyBatch wired to a fake Auth0 (fetch), a fake clock, a recording queue and a captured logger. */
function harness(reply: (request: RecordedRequest, putIndex: number) => FakeReply, budgetMs = Infinity) {
  const clock = new ManualClock();
  const budgetEndMs = clock.nowMs + budgetMs;
  let puts = 0;
  const fake = fakeFetch((request) =>
    request.url.endsWith("/oauth/token") ? tokenResponse("token-1") : reply(request, puts++),
  );
  const tokens = new TokenProvider({
    endpoint,
    credentials: { clientId: "c", clientSecret: "s" },
    fetch: fake.fetch,
    clock: clock.clock,
  });
  const client = new ManagementApiClient({ endpoint, tokens, fetch: fake.fetch });
  // A fast ceiling with room to catch up: these tests are about outcomes, Pacer.test.ts is about spacing.
  const pacer = new Pacer({
    rpsCeiling: 1000,
    maxConcurrency: 1,
    catchUpIntervals: 1000,
    jitterMs: 100,
    clock: clock.clock,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  const queue = new RecordingApplyQueue();
  const { logger, lines } = capturedLogger();
  const events: ApplyOutcomeEvent[] = [];
  const run = (
    records: Parameters<typeof applyBatch>[0],
    options?: ApplyOptions,
    extra: Partial<ApplyDeps> = {},
  ) =>
    clock.run(
      applyBatch(records, {
        ...extra,
        client,
        pacer,
        queue,
        logger,
        options,
        clock: clock.clock,
        sleep: clock.sleep,
        random: () => 0.5,
        remainingTimeMs: () => budgetEndMs - clock.nowMs,
        onOutcome: (event) => events.push(event),
      }),
    );
  const putUsers = () =>
    fake.requests
      .filter((request) => request.method === "PUT")
      .map((request) => decodeURIComponent(request.url.split("/")[6] ?? ""));
  return { run, queue, events, lines, clock, putUsers, startedAt: new Date(clock.nowMs).toISOString() };
}

describe("applyBatch", () => {
  it("applies every user and reports no failures", async () => {
    const { run, queue, events, putUsers } = harness(ok);
    const result = await run([userRecord(1), userRecord(2), userRecord(3)]);
    expect(result).toEqual({
      batchItemFailures: [],
      counts: {
        ...emptyApplyCounts(),
        applied: 3,
      },
    });
    expect(putUsers().sort()).toEqual(["auth0|user-1", "auth0|user-2", "auth0|user-3"]);
    expect(queue.deadLetters).toEqual([]);
    expect(events.map((event) => event.kind)).toEqual(["applied", "applied", "applied"]);
  });

  it.each([
    [400, "Payload validation error: 'Invalid phone number'", "invalid_body"],
    [403, "Forbidden by a rule", undefined],
    [404, "The user does not exist.", "inexistent_user"],
    [409, "Conflict", undefined],
  ])("dead-letters a %i with its reason and reports the record done", async (status, message, errorCode) => {
    const { run, queue, events, startedAt } = harness(() => auth0Error(status, message, errorCode));
    const record = userRecord(7);
    const result = await run([record]);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts.deadLettered).toBe(1);
    expect(queue.deadLetters).toEqual([
      {
        messageId: "msg-7",
        body: record.body,
        reason: {
          status: String(status),
          ...(errorCode ? { errorCode } : {}),
          message,
          attempts: 1,
          failedAt: startedAt,
          sourceKey: TEST_SOURCE.key,
          sourceLine: 9,
          userId: "auth0|user-7",
        },
      },
    ]);
    expect(events).toEqual([{ userId: "auth0|user-7", kind: "failed", status: String(status) }]);
  });

  it.each([
    ["a 401 that a fresh token did not cure", () => auth0Error(401, "Invalid token", "invalid_token"), 2],
    [
      "a 403 for a missing scope",
      () =>
        auth0Error(
          403,
          "Insufficient scope, expected any of: update:authentication_methods",
          "insufficient_scope",
        ),
      1,
    ],
  ])(
    "holds the record on %s (a configuration error) and calls the pause port",
    async (_case, reply, puts) => {
      const { run, queue, putUsers } = harness(reply);
      const paused: ConfigurationErrorEvent[] = [];
      const record = userRecord(1);
      const result = await run([record], {}, { onConfigurationError: (event) => void paused.push(event) });
      expect(putUsers()).toHaveLength(puts);
      expect(result).toEqual({
        batchItemFailures: [],
        counts: {
          ...emptyApplyCounts(),
          heldByConfiguration: 1,
        },
      });
      expect(queue.deadLetters).toEqual([]);
      // About one probe interval (30 s, jitter 1 + 0.2 × 0.5), no attempt used.
      expect(queue.requeued).toEqual([
        { messageId: "msg-1", body: record.body, delaySeconds: 33, history: historyOf(record, { holds: 1 }) },
      ]);
      expect(paused).toEqual([expect.objectContaining({ sources: [TEST_SOURCE] })]);
    },
  );

  it.each([
    ["not JSON", "{not json", "body is not JSON"],
    ["another format", JSON.stringify({ version: 2, userId: "x" }), "version: invalid_value"],
  ])("dead-letters a body that is %s as malformed without calling Auth0", async (_case, body, reason) => {
    const { run, queue, putUsers, startedAt } = harness(ok);
    const result = await run([sqsRecord(body, { messageId: "bad" })]);
    expect(result.batchItemFailures).toEqual([]);
    expect(putUsers()).toEqual([]);
    expect(queue.deadLetters).toEqual([
      {
        messageId: "bad",
        body,
        reason: { status: "malformed", message: reason, attempts: 0, failedAt: startedAt },
      },
    ]);
  });

  it("waits out a 429 until the reset and retries without counting an attempt", async () => {
    const { run, clock, events, queue } = harness((_request, index) =>
      index === 0 ? tooMany(Math.ceil((clock.nowMs + 1) / 1000) * 1000 + 1000) : ok(),
    );
    const start = clock.nowMs;
    const result = await run([userRecord(1)], { attemptsPerReceive: 1 });
    expect(result).toEqual({
      batchItemFailures: [],
      counts: {
        ...emptyApplyCounts(),
        applied: 1,
        throttled: 1,
        // The record was sent when the test began, 2 s of pause ago.
        oldestWorkAgeSeconds: 2,
      },
    });
    expect(queue.deadLetters).toEqual([]);
    // The reset is whole seconds: the retry goes at the second boundary after the next, plus half the jitter.
    expect(clock.nowMs).toBeGreaterThanOrEqual(Math.ceil((start + 1) / 1000) * 1000 + 1000 + 50);
    expect(events).toEqual([
      { userId: "auth0|user-1", kind: "throttled", status: 429 },
      { userId: "auth0|user-1", kind: "applied", status: 200 },
    ]);
  });

  it("retries a transient failure with backoff and applies it", async () => {
    const { run, clock, events } = harness((_request, index) =>
      index < 2 ? auth0Error(503, "Service Unavailable") : ok(),
    );
    const result = await run([userRecord(1)]);
    expect(result.counts).toEqual({
      ...emptyApplyCounts(),
      applied: 1,
    });
    // Backoff with random 0.5: 250/2 + 0.25 × 250 = 188 ms, then 500/2 + 0.25 × 500 = 375 ms.
    expect(clock.sleeps.filter((ms) => ms > 100)).toEqual([188, 375]);
    expect(events.map((event) => event.kind)).toEqual(["retry", "retry", "applied"]);
  });

  it("returns a record for redelivery with a short visibility delay when its tries run out", async () => {
    const { run, queue, events } = harness(() => timeoutError());
    const result = await run([userRecord(1, { receiveCount: 2 })]);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: "msg-1" }],
      counts: {
        ...emptyApplyCounts(),
        retried: 1,
      },
    });
    expect(queue.deadLetters).toEqual([]);
    // 10 s × 2^(2 − 1), with jitter 0.8 + 0.4 × 0.5 = 1.
    expect(queue.redeliveries).toEqual([{ messageId: "msg-1", delaySeconds: 20 }]);
    expect(events.map((event) => event.kind)).toEqual(["retry", "retry", "retry"]);
  });

  it("dead-letters a transient failure on the last allowed receive with its last reason", async () => {
    const { run, queue, startedAt, clock } = harness(() => auth0Error(503, "Service Unavailable"));
    const record = userRecord(4, { receiveCount: 5 });
    const result = await run([record], { maxReceiveCount: 5 });
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.redeliveries).toEqual([]);
    expect(queue.deadLetters).toEqual([
      {
        messageId: "msg-4",
        body: record.body,
        reason: {
          status: "503",
          // 3 tries in each of its 5 receives, counted from its first receive.
          message: "Service Unavailable (15 attempts since 2026-11-29T18:00:00.100Z)",
          attempts: 15,
          failedAt: new Date(clock.nowMs).toISOString(),
          sourceKey: TEST_SOURCE.key,
          sourceLine: 6,
          userId: "auth0|user-4",
        },
      },
    ]);
    expect(startedAt).not.toBe(new Date(clock.nowMs).toISOString());
  });

  it("keeps a record whose dead-lettering fails, so it is not lost", async () => {
    const { run, queue, lines } = harness(() =>
      auth0Error(404, "The user does not exist.", "inexistent_user"),
    );
    queue.failDeadLetters = true;
    const result = await run([userRecord(1), userRecord(2)]);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      "msg-1",
      "msg-2",
    ]);
    expect(queue.redeliveries).toEqual([]);
    expect(lines().filter((line) => line.includes("could not send to the dead-letter queue"))).toHaveLength(
      2,
    );
  });

  it("starts nothing when less than the time margin is left, and returns every record at once", async () => {
    const { run, queue, putUsers } = harness(ok, 11_000);
    const result = await run([userRecord(1), userRecord(2)], { timeMarginMs: 12_000 });
    expect(putUsers()).toEqual([]);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: "msg-1" }, { itemIdentifier: "msg-2" }],
      counts: {
        ...emptyApplyCounts(),
        deferred: 2,
      },
    });
    expect(queue.redeliveries).toEqual([
      { messageId: "msg-1", delaySeconds: 0 },
      { messageId: "msg-2", delaySeconds: 0 },
    ]);
  });

  it("stops starting work when the budget runs low in the middle of a batch", async () => {
    // Each PUT is followed by a 1 s pause (remaining 0): with 3.5 s above the margin, four users fit.
    const { run, clock, putUsers, queue } = harness(
      () =>
        jsonResponse(200, [], rateLimitHeaders({ limit: 50, remaining: 0, resetAtMs: clock.nowMs + 950 })),
      15_500,
    );
    const records = Array.from({ length: 10 }, (_, i) => userRecord(i));
    const result = await run(records, { timeMarginMs: 12_000, applyConcurrency: 1 });
    expect(putUsers()).toHaveLength(4);
    // The last header pause ends after the budget: the rest go back delayed by it, no receive used.
    expect(result.counts).toEqual({
      ...emptyApplyCounts(),
      applied: 4,
      requeued: 6,
      oldestWorkAgeSeconds: 3,
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.requeued.map((entry) => [entry.messageId, entry.delaySeconds])).toEqual(
      ["msg-4", "msg-5", "msg-6", "msg-7", "msg-8", "msg-9"].map((id) => [id, 1]),
    );
  });

  it("gives a record back at once instead of waiting out a 429 pause that ends after the time margin", async () => {
    // 55 s left, a 32 s margin: the 60 s pause would end after the invocation, so nothing waits for it.
    const { run, clock, queue, putUsers } = harness(() => tooMany(clock.nowMs + 60_000), 55_000);
    const start = clock.nowMs;
    const record = userRecord(1, { receiveCount: 2 });
    const result = await run([record], { timeMarginMs: 32_000 });
    expect(putUsers()).toEqual(["auth0|user-1"]);
    // Only a 429 in this receive: back to the work queue for the rest of the pause (60 s + 50 ms jitter).
    expect(result).toEqual({
      batchItemFailures: [],
      counts: {
        ...emptyApplyCounts(),
        requeued: 1,
        superseded: 0,
        throttled: 1,
      },
    });
    expect(queue.requeued).toEqual([
      {
        messageId: "msg-1",
        body: record.body,
        delaySeconds: 61,
        // Its first receive is counted as used tries (the estimate errs toward ending a failing user).
        history: historyOf(record, { attempts: 3, firstFailureAtMs: firstReceive(record), holds: 1 }),
      },
    ]);
    expect(clock.sleeps).toEqual([]);
    expect(clock.nowMs).toBe(start);
  });

  it("sends a record that met only 429s on its last receive back to the work queue instead of dead-lettering it", async () => {
    const { run, clock, queue } = harness(() => tooMany(clock.nowMs + 20_000), 40_000);
    const record = userRecord(1, { receiveCount: 5 });
    const result = await run([record], { maxReceiveCount: 5, timeMarginMs: 32_000 });
    expect(result).toEqual({
      batchItemFailures: [],
      counts: {
        ...emptyApplyCounts(),
        requeued: 1,
        superseded: 0,
        throttled: 1,
      },
    });
    expect(queue.requeued).toEqual([
      {
        messageId: "msg-1",
        body: record.body,
        delaySeconds: 21,
        history: historyOf(record, { attempts: 12, firstFailureAtMs: firstReceive(record), holds: 1 }),
      },
    ]);
    expect(queue.deadLetters).toEqual([]);
    expect(queue.redeliveries).toEqual([]);
  });

  it("keeps a throttled record as a batch item failure when it cannot be sent back to the work queue", async () => {
    const { run, clock, queue, lines } = harness(() => tooMany(clock.nowMs + 60_000), 55_000);
    queue.failRequeues = true;
    const result = await run([userRecord(1, { receiveCount: 2 })], { timeMarginMs: 32_000 });
    // The one fall-back rule of settle: kept as it is (no visibility change), never deleted unrecorded.
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: "msg-1" }],
      counts: {
        ...emptyApplyCounts(),
        throttled: 1,
      },
    });
    expect(queue.requeued).toEqual([]);
    expect(queue.redeliveries).toEqual([]);
    expect(lines().filter((line) => line.includes("could not send the held record back"))).toHaveLength(1);
  });

  it("requeues a record with a real attempt before its 429 pause, its attempts carried in its history", async () => {
    const { run, clock, queue } = harness(
      (_request, index) =>
        index === 0 ? auth0Error(503, "Service Unavailable") : tooMany(clock.nowMs + 60_000),
      55_000,
    );
    const record = userRecord(1, { receiveCount: 2 });
    const result = await run([record], { timeMarginMs: 32_000 });
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ retried: 0, requeued: 1, throttled: 1 });
    expect(queue.requeued).toEqual([
      {
        messageId: "msg-1",
        body: record.body,
        delaySeconds: 60,
        history: historyOf(record, { attempts: 4, firstFailureAtMs: firstReceive(record), holds: 1 }),
      },
    ]);
  });

  it("keeps by default a margin of one call's worst case: PUT, token request and PUT again", async () => {
    const { run, putUsers } = harness(ok, 31_000);
    const result = await run([userRecord(1)]);
    expect(putUsers()).toEqual([]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "msg-1" }]);
  });

  it("dead-letters with a timeout reason a record the time budget left untried on its last receive", async () => {
    const { run, queue, startedAt } = harness(ok, 5_000);
    const result = await run([userRecord(1, { receiveCount: 5 })], {
      maxReceiveCount: 5,
      timeMarginMs: 12_000,
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.deadLetters.map((entry) => entry.reason)).toEqual([
      {
        status: "timeout",
        message: "not applied before the time budget of its last allowed receive (5 of 5) ran out",
        attempts: 0,
        failedAt: startedAt,
        sourceKey: TEST_SOURCE.key,
        sourceLine: 3,
        userId: "auth0|user-1",
      },
    ]);
  });

  it("serves the records closest to their last receive first", async () => {
    const { run, putUsers } = harness(ok);
    await run([userRecord(1), userRecord(2, { receiveCount: 4 }), userRecord(3, { receiveCount: 2 })], {
      applyConcurrency: 1,
    });
    expect(putUsers()).toEqual(["auth0|user-2", "auth0|user-3", "auth0|user-1"]);
  });

  it("never records a TOTP secret that Auth0 echoed in its message", async () => {
    const user = userFactors(3);
    const secret = user.methods[0]?.type === "totp" ? user.methods[0].totp_secret : "";
    const { run, queue } = harness(() =>
      auth0Error(400, `totp_secret ${secret} is not accepted`, "invalid_body"),
    );
    await run([userRecord(3)]);
    expect(queue.deadLetters[0]?.reason.message).toBe("totp_secret [redacted] is not accepted");
  });

  it("removes an echoed TOTP secret before shortening a long message, so no part of it is kept", async () => {
    const user = userFactors(3);
    const secret = user.methods[0]?.type === "totp" ? user.methods[0].totp_secret : "";
    // The secret starts at character 495 of Auth0's message: a cut at 500 would keep its first 5 characters.
    const padding = "x".repeat(495);
    const { run, queue } = harness(() =>
      auth0Error(400, `${padding}${secret} is not accepted`, "invalid_body"),
    );
    await run([userRecord(3)]);
    expect(queue.deadLetters[0]?.reason.message).toBe(`${padding}[reda`);
  });

  it("logs no TOTP secret, phone number or email whatever the outcome", async () => {
    const users = [0, 1, 2, 3, 4, 5].map((n) => userFactors(n));
    const { run, lines } = harness(
      (_request, index) =>
        [
          ok(),
          auth0Error(404, "The user does not exist."),
          auth0Error(503, "down"),
          timeoutError(),
          ok(),
          ok(),
        ][index % 6] as FakeReply,
    );
    await run([
      ...users.map((_user, n) => userRecord(n)),
      sqsRecord(JSON.stringify({ userId: "x", methods: [{ type: "email", email: "a@example.com" }] })),
    ]);
    const output = lines().join("\n");
    expect(lines().length).toBeGreaterThan(3);
    for (const value of [...sensitiveValues(users.map((user) => user.methods)), "a@example.com"]) {
      expect(output).not.toContain(value);
    }
  });

  describe("with a circuit breaker", () => {
    const unavailable = () => auth0Error(503, "Service Unavailable");
    const withCircuit = (reply: Parameters<typeof harness>[0]) => {
      const h = harness(reply);
      const circuit = new CircuitBreaker({ probeIntervalMs: 30_000, clock: h.clock.clock });
      const runWith = (records: SQSRecord[]) => h.run(records, { applyConcurrency: 1 }, { circuit });
      return { ...h, circuit, runWith };
    };

    it("opens after five failures of different users and holds the rest of the batch, attempts kept", async () => {
      const { runWith, queue, putUsers, circuit, clock } = withCircuit(unavailable);
      const records = Array.from({ length: 10 }, (_, i) => userRecord(i));
      const result = await runWith(records);
      // user-0 fails 3 times (one source), user-1 twice: the fifth failure, from a second user, opens it.
      expect(putUsers()).toEqual([
        "auth0|user-0",
        "auth0|user-0",
        "auth0|user-0",
        "auth0|user-1",
        "auth0|user-1",
      ]);
      expect(circuit.state).toMatchObject({ status: "open", reason: "unavailable", lastStatus: 503 });
      expect(result.counts).toMatchObject({ retried: 1, heldByCircuit: 9, deadLettered: 0 });
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: "msg-0" }]);
      const held = new Map(queue.requeued.map((entry) => [entry.messageId, entry.history.attempts]));
      expect(held).toEqual(
        new Map([["msg-1", 2], ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => [`msg-${n}`, 0] as const)]),
      );
      expect(queue.requeued.every((entry) => entry.delaySeconds === 33)).toBe(true);
      expect(queue.requeued[0]?.history.firstFailureAtMs).toBeLessThanOrEqual(clock.nowMs);
    });

    it("while open sends one probe per interval; a failed probe uses no attempt of its user", async () => {
      const { runWith, queue, putUsers, circuit, clock } = withCircuit(unavailable);
      for (const user of ["a", "b", "c", "d", "e"]) circuit.recordFailure(503, "Service Unavailable", user);
      clock.advance(30_000);
      const records = [userRecord(1), userRecord(2), userRecord(3)];
      const result = await runWith(records);
      expect(putUsers()).toEqual(["auth0|user-1"]);
      expect(result.counts).toMatchObject({ heldByCircuit: 3, applied: 0, retried: 0 });
      expect(queue.requeued.map((entry) => [entry.messageId, entry.history])).toEqual(
        records.map((record) => [record.messageId, historyOf(record, { holds: 1 })]),
      );
    });

    it("closes on a probe that Auth0 answers, and applies the rest of the batch", async () => {
      const { runWith, queue, putUsers, circuit, clock } = withCircuit(ok);
      for (const user of ["a", "b", "c", "d", "e"]) circuit.recordFailure(503, "Service Unavailable", user);
      clock.advance(30_000);
      const result = await runWith([userRecord(1), userRecord(2), userRecord(3)]);
      expect(putUsers()).toEqual(["auth0|user-1", "auth0|user-2", "auth0|user-3"]);
      expect(result.counts).toMatchObject({ applied: 3, heldByCircuit: 0 });
      expect(queue.requeued).toEqual([]);
      expect(circuit.state).toEqual({ status: "closed" });
    });

    it("dead-letters one user's persistent 5xx among healthy users once its attempts over requeues are used", async () => {
      const { runWith, queue, circuit } = withCircuit((request) =>
        request.url.includes("user-5") ? unavailable() : ok(),
      );
      // Its history: 12 attempts used before, over earlier receives and holds since 18:00:00.
      const failing = userRecord(5);
      failing.messageAttributes = {
        "fs-attempts": { stringValue: "12", dataType: "Number" },
        "fs-first-failure-at": { stringValue: String(Date.UTC(2026, 10, 29, 17, 0, 0)), dataType: "Number" },
        "fs-first-sent-at": { stringValue: String(Date.UTC(2026, 10, 29, 16, 0, 0)), dataType: "Number" },
        "fs-holds": { stringValue: "40", dataType: "Number" },
      };
      const result = await runWith([userRecord(1), failing, userRecord(2), userRecord(3)]);
      expect(circuit.state).toEqual({ status: "closed" });
      expect(result.counts).toMatchObject({
        ...emptyApplyCounts(),
        applied: 3,
        deadLettered: 1,
        oldestWorkAgeSeconds: 7200,
      });
      expect(queue.deadLetters.map((entry) => entry.reason)).toEqual([
        expect.objectContaining({
          status: "503",
          attempts: 15,
          message: "Service Unavailable (15 attempts since 2026-11-29T17:00:00.000Z)",
          userId: "auth0|user-5",
        }),
      ]);
    });
  });
});
