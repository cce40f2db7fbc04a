import { describe, expect, it } from "vitest";
import type { Decision } from "../../../lib/apply/Decision.js";
import { emptyApplyCounts } from "../../../lib/apply/emptyApplyCounts.js";
import { type DecidedRecord, settleBatch } from "../../../lib/apply/settleBatch.js";
import type { ApplyOutcomeEvent } from "../../../lib/apply/types.js";
import type { DeadLetterReason } from "../../../lib/messages/DeadLetter.js";
import { RecordingApplyQueue, userRecord } from "../../helpers/applyRecords.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";

const reason: DeadLetterReason = {
  status: "404",
  errorCode: "inexistent_user",
  message: "The user does not exist.",
  attempts: 1,
  failedAt: "2026-12-01T12:00:00.000Z",
  sourceKey: "incoming/users.csv",
  sourceLine: 3,
  userId: "auth0|user-2",
};

const history = { attempts: 2, firstFailureAtMs: 1764439260000, firstSentAtMs: 1764439200000, holds: 3 };

/** One record of each decision, in this order: msg-1 … msg-8. */
const decisions: Decision[] = [
  { kind: "applied", userId: "auth0|user-1", status: 200 },
  { kind: "deadLetter", reason },
  { kind: "requeue", userId: "auth0|user-3", delaySeconds: 21, history, cause: "throttled" },
  { kind: "redeliver", cause: "retry", delaySeconds: 10, userId: "auth0|user-4", status: 503 },
  { kind: "redeliver", cause: "deferred", delaySeconds: 0 },
  { kind: "keep", why: "unexpected error" },
  { kind: "requeue", userId: "auth0|user-7", delaySeconds: 33, history, cause: "circuit" },
  { kind: "requeue", userId: "auth0|user-8", delaySeconds: 31, history, cause: "configuration" },
];
const batch = (): DecidedRecord[] =>
  decisions.map((decision, index) => ({ record: userRecord(index + 1), decision }));

function settle(queue: RecordingApplyQueue) {
  const { logger, lines } = capturedLogger();
  const events: ApplyOutcomeEvent[] = [];
  const done = settleBatch(batch(), { queue, logger, emit: (event) => events.push(event) });
  const byUser = () => [...events].sort((a, b) => a.userId.localeCompare(b.userId));
  return { done, events: byUser, lines };
}

describe("settleBatch", () => {
  it("performs each decision's SQS call and returns exactly the records not done", async () => {
    const queue = new RecordingApplyQueue();
    const { done, events } = settle(queue);
    expect(await done).toEqual({
      batchItemFailures: [
        { itemIdentifier: "msg-4" },
        { itemIdentifier: "msg-5" },
        { itemIdentifier: "msg-6" },
      ],
      counts: {
        ...emptyApplyCounts(),
        applied: 1,
        deadLettered: 1,
        retried: 1,
        deferred: 1,
        requeued: 1,
        heldByCircuit: 1,
        heldByConfiguration: 1,
      },
    });
    expect(queue.deadLetters).toEqual([{ messageId: "msg-2", body: userRecord(2).body, reason }]);
    expect(queue.requeued).toEqual([
      { messageId: "msg-3", body: userRecord(3).body, delaySeconds: 21, history },
      { messageId: "msg-7", body: userRecord(7).body, delaySeconds: 33, history },
      { messageId: "msg-8", body: userRecord(8).body, delaySeconds: 31, history },
    ]);
    expect(queue.redeliveries).toEqual([
      { messageId: "msg-4", delaySeconds: 10 },
      { messageId: "msg-5", delaySeconds: 0 },
    ]);
    expect(events()).toEqual([
      { userId: "auth0|user-1", kind: "applied", status: 200 },
      { userId: "auth0|user-2", kind: "failed", status: "404" },
      { userId: "auth0|user-4", kind: "retry", status: 503 },
    ]);
  });

  it("loses nothing when every SQS call fails: each record is done, or returned for redelivery", async () => {
    const queue = new RecordingApplyQueue();
    queue.failDeadLetters = true;
    queue.failRequeues = true;
    queue.failRedeliveries = true;
    const { done, events, lines } = settle(queue);
    const result = await done;
    // Only the applied record is left to be deleted; the two whose send failed are kept as they are.
    expect(result).toEqual({
      batchItemFailures: ["msg-2", "msg-3", "msg-4", "msg-5", "msg-6", "msg-7", "msg-8"].map(
        (itemIdentifier) => ({ itemIdentifier }),
      ),
      counts: {
        ...emptyApplyCounts(),
        applied: 1,
        retried: 1,
        deferred: 1,
      },
    });
    expect(events()).toEqual([
      { userId: "auth0|user-1", kind: "applied", status: 200 },
      { userId: "auth0|user-4", kind: "retry", status: 503 },
    ]);
    const kept = lines().filter((line) => line.includes("kept for redelivery"));
    expect(kept.map((line) => JSON.parse(line).messageId)).toEqual(["msg-2", "msg-3", "msg-7", "msg-8"]);
  });

  it("returns every record but the applied ones whatever the mix of failures", async () => {
    for (const failing of ["failDeadLetters", "failRequeues", "failRedeliveries"] as const) {
      const queue = new RecordingApplyQueue();
      queue[failing] = true;
      const result = await settle(queue).done;
      const returned = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
      const deleted = batch()
        .map(({ record }) => record.messageId)
        .filter((id) => !returned.has(id));
      const recorded = [
        "msg-1",
        ...queue.deadLetters.map((d) => d.messageId),
        ...queue.requeued.map((r) => r.messageId),
      ];
      // Deleted means applied, dead-lettered or requeued: never a record whose call failed.
      expect({ failing, deleted }).toEqual({ failing, deleted: recorded.sort() });
    }
  });
});

describe("settleBatch with superseded records", () => {
  it("deletes a superseded record without any SQS call, counts it and reports it superseded", async () => {
    const queue = new RecordingApplyQueue();
    const { logger } = capturedLogger();
    const events: ApplyOutcomeEvent[] = [];
    const result = await settleBatch(
      [
        { record: userRecord(1), decision: { kind: "superseded", userId: "auth0|user-1", line: 2 } },
        { record: userRecord(2), decision: { kind: "applied", userId: "auth0|user-2", status: 200 } },
      ],
      { queue, logger, emit: (event) => events.push(event) },
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(result.counts).toMatchObject({ applied: 1, superseded: 1, deadLettered: 0, requeued: 0 });
    expect(queue.deadLetters).toEqual([]);
    expect(queue.requeued).toEqual([]);
    expect(events).toEqual([
      { userId: "auth0|user-1", kind: "superseded" },
      { userId: "auth0|user-2", kind: "applied", status: 200 },
    ]);
  });
});
