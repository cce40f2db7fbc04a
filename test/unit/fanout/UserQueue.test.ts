import type { BatchResultErrorEntry, SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { QueueSendError, UserQueueOptionsError } from "../../../lib/fanout/errors.js";
import type { SendBatch, UnsentUser } from "../../../lib/fanout/types.js";
import { UserQueue, type UserQueueOptions } from "../../../lib/fanout/UserQueue.js";
import { toUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { makeUserFactors, makeUsers } from "../../helpers/userFactors.js";

const source = { bucket: "bucket", key: "incoming/users.csv", etag: "abc" };

type Result = Awaited<ReturnType<SendBatch>>;
type Reply = (entries: SendMessageBatchRequestEntry[]) => Result | Promise<Result>;

/** Accepts every entry. */
const acceptAll = (entries: SendMessageBatchRequestEntry[]): Result => ({
  Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m${e.Id}`, MD5OfMessageBody: "x" })),
  Failed: [],
});

/** Fails the entries with the given ids (with `error`), accepts the others. */
function failIds(ids: string[], error: Omit<BatchResultErrorEntry, "Id">): Reply {
  return (entries) => {
    const failed = entries.filter((e) => ids.includes(e.Id ?? ""));
    return {
      Successful: acceptAll(entries.filter((e) => !failed.includes(e))).Successful,
      Failed: failed.map((e) => ({ Id: e.Id, ...error })),
    };
  };
}

const internalError = { SenderFault: false, Code: "InternalError", Message: "try again" };

/** The boundary fake: records each call's entries and answers with the next scripted reply (the last one repeats). */
function fakeSend(...replies: Reply[]) {
  const calls: SendMessageBatchRequestEntry[][] = [];
  const send: SendBatch = async (entries) => {
    calls.push(entries);
    const reply = replies[Math.min(calls.length - 1, replies.length - 1)] ?? acceptAll;
    return reply(entries);
  };
  return { send, calls };
}

function newQueue(send: SendBatch, options: Partial<UserQueueOptions> = {}) {
  const unsent: UnsentUser[] = [];
  const sleeps: number[] = [];
  const queue = new UserQueue(send, {
    source,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    onUnsent: (user) => {
      unsent.push(user);
    },
    ...options,
  });
  return { queue, unsent, sleeps };
}

async function enqueueAll(queue: UserQueue, count: number) {
  for (const user of makeUsers(count)) await queue.enqueue(user);
}

const ids = (entries: SendMessageBatchRequestEntry[]) => entries.map((e) => e.Id);

describe("UserQueue", () => {
  it("sends one message per user in calls of 10, ids being the index within the call", async () => {
    const { send, calls } = fakeSend(acceptAll);
    const { queue, unsent } = newQueue(send);
    await enqueueAll(queue, 25);
    expect(await queue.close()).toEqual({ sent: 25, failedToSend: 0 });
    expect(calls.map(ids)).toEqual([
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      ["0", "1", "2", "3", "4"],
    ]);
    const bodies = calls.flat().map((e) => e.MessageBody);
    expect(bodies).toEqual(makeUsers(25).map((u) => JSON.stringify(toUserFactorsMessage(u, source))));
    expect(unsent).toEqual([]);
  });

  it("makes no call for an empty queue", async () => {
    const { send, calls } = fakeSend(acceptAll);
    const { queue } = newQueue(send);
    expect(await queue.close()).toEqual({ sent: 0, failedToSend: 0 });
    expect(calls).toEqual([]);
  });

  it("retries only the entries that failed inside a successful call, keeping their ids", async () => {
    const { send, calls } = fakeSend(failIds(["2", "7"], internalError), acceptAll);
    const { queue, unsent, sleeps } = newQueue(send);
    await enqueueAll(queue, 10);
    expect(await queue.close()).toEqual({ sent: 10, failedToSend: 0 });
    expect(calls.map(ids)).toEqual([
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      ["2", "7"],
    ]);
    expect(calls[1]?.map((e) => e.MessageBody)).toEqual([
      calls[0]?.[2]?.MessageBody,
      calls[0]?.[7]?.MessageBody,
    ]);
    expect(sleeps).toEqual([50]);
    expect(unsent).toEqual([]);
  });

  it("gives up on an entry after maxAttempts, reporting its line, user id and SQS code", async () => {
    const { send, calls } = fakeSend(failIds(["1"], internalError));
    const { queue, unsent, sleeps } = newQueue(send, { maxAttempts: 3 });
    await enqueueAll(queue, 3);
    expect(await queue.close()).toEqual({ sent: 2, failedToSend: 1 });
    expect(calls.map(ids)).toEqual([["0", "1", "2"], ["1"], ["1"]]);
    expect(sleeps).toEqual([50, 100]);
    expect(unsent).toEqual([{ line: 3, userId: "auth0|user2", reason: "InternalError: try again" }]);
  });

  it("does not retry a sender fault, which cannot succeed on a retry", async () => {
    const senderFault = { SenderFault: true, Code: "InvalidMessageContents" };
    const { send, calls } = fakeSend(failIds(["0"], senderFault));
    const { queue, unsent } = newQueue(send);
    await enqueueAll(queue, 2);
    expect(await queue.close()).toEqual({ sent: 1, failedToSend: 1 });
    expect(calls.map(ids)).toEqual([["0", "1"]]);
    expect(unsent).toEqual([{ line: 2, userId: "auth0|user1", reason: "InvalidMessageContents" }]);
  });

  it("retries an entry that SQS answered neither way, then reports it as NoResult", async () => {
    const { send } = fakeSend((entries) => acceptAll(entries.slice(1)));
    const { queue, unsent } = newQueue(send, { maxAttempts: 2 });
    await enqueueAll(queue, 2);
    expect(await queue.close()).toEqual({ sent: 1, failedToSend: 1 });
    expect(unsent).toEqual([
      { line: 2, userId: "auth0|user1", reason: "NoResult: SQS returned no result for this entry" },
    ]);
  });

  it("retries a whole call that threw, with exponential backoff", async () => {
    const boom: Reply = () => {
      throw new Error("socket hang up");
    };
    const { send, calls } = fakeSend(boom, boom, boom, acceptAll);
    const { queue, sleeps } = newQueue(send);
    await enqueueAll(queue, 4);
    expect(await queue.close()).toEqual({ sent: 4, failedToSend: 0 });
    expect(calls.map(ids)).toEqual([
      ["0", "1", "2", "3"],
      ["0", "1", "2", "3"],
      ["0", "1", "2", "3"],
      ["0", "1", "2", "3"],
    ]);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it("caps the backoff at maxDelayMs and draws the jitter from the upper half of each step", async () => {
    const { send } = fakeSend(failIds(["0"], internalError));
    const { queue, sleeps } = newQueue(send, {
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 500,
      random: () => 0.5,
    });
    await enqueueAll(queue, 1);
    await queue.close();
    expect(sleeps).toEqual([75, 150, 300, 375, 375]);
  });

  it("throws QueueSendError from close when a whole call fails on every attempt", async () => {
    const cause = Object.assign(new Error("The specified queue does not exist."), {
      name: "QueueDoesNotExist",
    });
    const { send, calls } = fakeSend(() => {
      throw cause;
    });
    const { queue } = newQueue(send, { maxAttempts: 2 });
    await enqueueAll(queue, 3);
    const error = await queue.close().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    expect(error).toMatchObject({
      attempts: 2,
      cause,
      message: "SendMessageBatch failed 2 times: QueueDoesNotExist: The specified queue does not exist.",
    });
    expect(calls).toHaveLength(2);
  });

  it("throws the QueueSendError from the next enqueue, so the reader stops early", async () => {
    const { send } = fakeSend(() => {
      throw new Error("down");
    });
    const { queue } = newQueue(send, { maxAttempts: 1, sendConcurrency: 1, maxPendingBatches: 1 });
    // The 10th user fills the first batch; enqueue waits for that call, which fails.
    const error = await enqueueAll(queue, 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueSendError);
    await expect(queue.close()).rejects.toBe(error);
  });

  it("keeps at most sendConcurrency calls in flight and makes enqueue wait when maxPendingBatches are pending", async () => {
    const held: (() => void)[] = [];
    let holding = true;
    let inFlight = 0;
    let maxInFlight = 0;
    const send: SendBatch = async (entries) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (holding) await new Promise<void>((resolve) => held.push(resolve));
      inFlight -= 1;
      return acceptAll(entries);
    };
    const { queue } = newQueue(send, { sendConcurrency: 2, maxPendingBatches: 3 });
    const users = makeUsers(40);
    for (const user of users.slice(0, 29)) await queue.enqueue(user);

    // The 30th user completes a third batch: three are pending (two in flight, one waiting), so enqueue waits.
    let thirtiethDone = false;
    const thirtieth = queue.enqueue(makeUserFactors(30)).then(() => {
      thirtiethDone = true;
    });
    await settle();
    expect(thirtiethDone).toBe(false);
    expect(held).toHaveLength(2);

    held.shift()?.();
    await thirtieth;
    expect(thirtiethDone).toBe(true);

    holding = false;
    for (const release of held.splice(0)) release();
    for (const user of users.slice(30)) await queue.enqueue(user);
    expect(await queue.close()).toEqual({ sent: 40, failedToSend: 0 });
    expect(maxInFlight).toBe(2);
  });

  it("closes a batch early when the next body would take it over maxBatchBytes", async () => {
    const { send, calls } = fakeSend(acceptAll);
    const bodyBytes = Buffer.byteLength(JSON.stringify(toUserFactorsMessage(makeUserFactors(1), source)));
    const { queue } = newQueue(send, { maxBatchBytes: bodyBytes * 3 });
    await enqueueAll(queue, 7);
    expect(await queue.close()).toEqual({ sent: 7, failedToSend: 0 });
    expect(calls.map(ids)).toEqual([["0", "1", "2"], ["0", "1", "2"], ["0"]]);
  });

  it("reports a user whose message is over maxBatchBytes as MessageTooLong without calling SQS", async () => {
    const { send, calls } = fakeSend(acceptAll);
    const { queue, unsent } = newQueue(send, { maxBatchBytes: 300 });
    const big = makeUserFactors(1, { methods: [{ type: "email", email: `${"a".repeat(300)}@example.com` }] });
    await queue.enqueue(big);
    await queue.enqueue(makeUserFactors(2, { methods: [] }));
    expect(await queue.close()).toEqual({ sent: 1, failedToSend: 1 });
    expect(calls.map(ids)).toEqual([["0"]]);
    const bytes = Buffer.byteLength(JSON.stringify(toUserFactorsMessage(big, source)));
    expect(unsent).toEqual([
      {
        line: 2,
        userId: "auth0|user1",
        reason: `MessageTooLong: the message is ${bytes} bytes, over the 300-byte limit`,
      },
    ]);
  });

  it.each([
    ["sendConcurrency", { sendConcurrency: 0 }],
    ["maxAttempts", { maxAttempts: 1.5 }],
    ["maxPendingBatches", { sendConcurrency: 4, maxPendingBatches: 3 }],
  ])("refuses a bad %s with a UserQueueOptionsError", (name, options) => {
    expect(() => newQueue(fakeSend(acceptAll).send, options)).toThrow(UserQueueOptionsError);
    expect(() => newQueue(fakeSend(acceptAll).send, options)).toThrow(name);
  });
});

/** Lets every already-resolvable promise callback run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
