import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqsSendBatch } from "../../../lib/fanout/sqsSendBatch.js";
import { UserQueue } from "../../../lib/fanout/UserQueue.js";
import { parseUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { makeUsers } from "../../helpers/userFactors.js";

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
});
