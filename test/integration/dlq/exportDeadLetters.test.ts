import { PassThrough, Writable } from "node:stream";
import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeadLetterExportError } from "../../../lib/dlq/errors.js";
import { exportDeadLetters } from "../../../lib/dlq/exportDeadLetters.js";
import type { FailedUser } from "../../../lib/dlq/FailedUser.js";
import { FAILURES_CSV_HEADER } from "../../../lib/dlq/FailuresCsv.js";
import { toDeadLetterAttributes } from "../../../lib/messages/DeadLetter.js";
import {
  createTestQueue,
  type LocalAwsHarness,
  queueDepth,
  startLocalAwsHarness,
  type TestQueue,
} from "../../helpers/localAwsHarness.js";
import { userFactors, userFactorsBody } from "../../helpers/messages.js";

const FAILED_AT = "2026-11-29T18:00:00.000Z";

/** Sends `count` dead letters as the apply handler writes them: 404 for each user n. */
async function sendDeadLetters(harness: LocalAwsHarness, dlq: TestQueue, count: number): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    const entries = [];
    for (let n = start; n < Math.min(count, start + 10); n++) {
      entries.push({
        Id: String(n),
        MessageBody: userFactorsBody(n),
        MessageAttributes: toDeadLetterAttributes({
          status: "404",
          errorCode: "inexistent_user",
          message: "The user does not exist.",
          attempts: 1,
          failedAt: FAILED_AT,
          sourceKey: "incoming/users.csv",
          sourceLine: n + 1,
          userId: `auth0|user${n}`,
        }),
      });
    }
    await harness.sqs.send(new SendMessageBatchCommand({ QueueUrl: dlq.url, Entries: entries }));
  }
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

const fast = { waitTimeSeconds: 0, emptyReceivesToStop: 1 };

describe("exportDeadLetters", () => {
  let harness: LocalAwsHarness;
  let dlq: TestQueue;

  beforeEach(async () => {
    harness = await startLocalAwsHarness();
    dlq = await createTestQueue(harness, "work-dlq");
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("writes one row per message with its reason, and leaves every message visible for redrive", async () => {
    await sendDeadLetters(harness, dlq, 25);
    const out = collect();
    const seen: FailedUser[] = [];

    const summary = await exportDeadLetters(harness.sqs, dlq.url, out.stream, {
      ...fast,
      onFailedUser: (failed) => seen.push(failed),
    });

    expect(summary).toEqual({ exported: 25, truncated: false, interrupted: false, notReleased: 0 });
    const lines = out.text().trimEnd().split("\r\n");
    expect(lines[0]).toBe(FAILURES_CSV_HEADER);
    const expectedRows = Array.from(
      { length: 25 },
      (_, n) =>
        `${n + 1},auth0|user${n},404,inexistent_user,The user does not exist.,1,${FAILED_AT},incoming/users.csv`,
    );
    expect(lines.slice(1).sort()).toEqual(expectedRows.sort());
    expect(new Set(seen.map((failed) => failed.messageId)).size).toBe(25);
    expect(await queueDepth(harness.sqs, dlq.url)).toEqual({ visible: 25, inFlight: 0, delayed: 0 });
  });

  it("never writes the methods of a user, only who failed and why", async () => {
    await sendDeadLetters(harness, dlq, 3);
    const out = collect();

    await exportDeadLetters(harness.sqs, dlq.url, out.stream, fast);

    for (let n = 0; n < 3; n++) {
      for (const method of userFactors(n).methods) {
        const value =
          method.type === "totp" ? method.totp_secret : method.type === "phone" ? method.phone_number : "";
        expect(out.text()).not.toContain(value);
      }
    }
  });

  it("takes who and where from the body when SQS moved the message without a reason", async () => {
    await harness.sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: userFactorsBody(7) }));
    const out = collect();

    await exportDeadLetters(harness.sqs, dlq.url, out.stream, fast);

    expect(out.text().split("\r\n")[1]).toBe(
      '8,auth0|user7,unknown,,"moved to the DLQ by SQS after its last receive, without a recorded reason (the function crashed or timed out)",1,,incoming/users.csv',
    );
  });

  it("keeps a malformed message in the report with the reason recorded, naming nobody", async () => {
    await harness.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: "not json",
        MessageAttributes: toDeadLetterAttributes({
          status: "malformed",
          message: 'body is not JSON, "really"',
          attempts: 0,
          failedAt: FAILED_AT,
        }),
      }),
    );
    const out = collect();

    await exportDeadLetters(harness.sqs, dlq.url, out.stream, fast);

    expect(out.text()).toBe(
      `${FAILURES_CSV_HEADER}\r\n,,malformed,,"body is not JSON, ""really""",0,${FAILED_AT},\r\n`,
    );
  });

  it("writes only the header for an empty queue", async () => {
    const out = collect();

    const summary = await exportDeadLetters(harness.sqs, dlq.url, out.stream, fast);

    expect(summary).toEqual({ exported: 0, truncated: false, interrupted: false, notReleased: 0 });
    expect(out.text()).toBe(`${FAILURES_CSV_HEADER}\r\n`);
  });

  it("starts with a UTF-8 byte-order mark when asked (a file for a spreadsheet)", async () => {
    const out = collect();

    await exportDeadLetters(harness.sqs, dlq.url, out.stream, { ...fast, byteOrderMark: true });

    expect(out.text()).toBe(`\uFEFF${FAILURES_CSV_HEADER}\r\n`);
  });

  it("makes the messages read visible again when writing fails part-way, and says how far it got", async () => {
    await sendDeadLetters(harness, dlq, 30);
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        writes += 1;
        callback(writes > 2 ? new Error("disk full") : null);
      },
    });
    failing.on("error", () => {});

    const exported = exportDeadLetters(harness.sqs, dlq.url, failing, fast);

    await expect(exported).rejects.toBeInstanceOf(DeadLetterExportError);
    await expect(exported).rejects.toMatchObject({ queueUrl: dlq.url });
    expect(await queueDepth(harness.sqs, dlq.url)).toEqual({ visible: 30, inFlight: 0, delayed: 0 });
  });

  it("stops when interrupted, releases what it read and says the export is partial", async () => {
    await sendDeadLetters(harness, dlq, 30);
    const controller = new AbortController();

    const summary = await exportDeadLetters(harness.sqs, dlq.url, collect().stream, {
      ...fast,
      signal: controller.signal,
      onFailedUser: () => controller.abort(),
    });

    expect(summary).toEqual({ exported: 10, truncated: false, interrupted: true, notReleased: 0 });
    expect(await queueDepth(harness.sqs, dlq.url)).toEqual({ visible: 30, inFlight: 0, delayed: 0 });
  });

  it("fails with DeadLetterExportError naming the queue when it does not exist", async () => {
    const missing = dlq.url.replace("work-dlq", "missing");

    const exported = exportDeadLetters(harness.sqs, missing, collect().stream, fast);

    await expect(exported).rejects.toThrow(DeadLetterExportError);
    await expect(exported).rejects.toThrow(
      `could not read the dead-letter queue ${missing} after 0 messages`,
    );
  });
});
