import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqsSendBatch } from "../../../lib/fanout/sqsSendBatch.js";
import type { UnsentUser } from "../../../lib/fanout/types.js";
import { UserQueue } from "../../../lib/fanout/UserQueue.js";
import { parseUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { makeUserFactors, makeUsers } from "../../helpers/userFactors.js";

describe("UserQueue against fauxqs SQS", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  it("puts exactly one message per user on the queue", async () => {
    const source = { bucket: emulator.bucket, key: "incoming/users.csv", etag: "abc" };
    const queue = new UserQueue(sqsSendBatch(emulator.sqs, emulator.queueUrl), {
      source,
      sendConcurrency: 3,
    });
    const users = makeUsers(123);
    for (const user of users) await queue.enqueue(user);
    expect(await queue.close()).toEqual({ sent: 123, failedToSend: 0 });

    const messages = (await receiveAllBodies(emulator.sqs, emulator.queueUrl)).map(parseUserFactorsMessage);
    messages.sort((a, b) => a.line - b.line);
    expect(messages).toEqual(users.map((user) => ({ version: 1, source, ...user })));
  });

  it("gets a user whose name holds U+FFFF (refused by SQS as it is) onto the queue", async () => {
    const queueUrl = await emulator.newQueue();
    const source = { bucket: emulator.bucket, key: "incoming/odd.jsonl" };
    const queue = new UserQueue(sqsSendBatch(emulator.sqs, queueUrl), { source });
    const user = makeUserFactors(1, {
      methods: [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP", name: "phone \uFFFF" }],
    });
    await queue.enqueue(user);
    expect(await queue.close()).toEqual({ sent: 1, failedToSend: 0 });
    const bodies = await receiveAllBodies(emulator.sqs, queueUrl);
    expect(bodies.map(parseUserFactorsMessage)).toEqual([{ version: 1, source, ...user }]);
  });

  it("reports the users SQS refuses with their SQS code, and sends the rest", async () => {
    const queueUrl = await emulator.newQueue({ MaximumMessageSize: "1024" });
    const source = { bucket: emulator.bucket, key: "incoming/big.jsonl" };
    const unsent: UnsentUser[] = [];
    const queue = new UserQueue(sqsSendBatch(emulator.sqs, queueUrl), {
      source,
      onUnsent: (user) => {
        unsent.push(user);
      },
    });
    const big = makeUserFactors(2, {
      methods: [{ type: "email", email: `${"x".repeat(1100)}@example.com` }],
    });
    await queue.enqueue(makeUserFactors(1));
    await queue.enqueue(big);
    await queue.enqueue(makeUserFactors(3));
    expect(await queue.close()).toEqual({ sent: 2, failedToSend: 1 });
    expect(unsent).toEqual([
      {
        line: 3,
        userId: "auth0|user2",
        reason:
          "InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
      },
    ]);
    const lines = (await receiveAllBodies(emulator.sqs, queueUrl)).map(
      (b) => parseUserFactorsMessage(b).line,
    );
    expect(lines.sort()).toEqual([2, 4]);
  });
});
