import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestObject } from "../../../lib/ingest/ingestObject.js";
import { parseMaxRejected } from "../../../lib/ingest/rejectionTolerance.js";
import { parseUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { csvFile, csvRow, FIXTURE_PHONES, FIXTURE_TOTP_SECRET } from "../../helpers/ingestFiles.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { getEtag, getText, putObject } from "../../helpers/s3.js";

const ELSEWHERE = (where: string) =>
  `the same user_id is also on ${where}: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent`;
const totpRow = (userId: string, secret = FIXTURE_TOTP_SECRET) =>
  csvRow({ user_id: userId, type: "totp", totp_secret: secret });

/** A CSV file of `users` users, the first `rejected` of them with a TOTP secret that is not base32. */
function fileWith(users: number, rejected: number): string {
  return csvFile(
    Array.from({ length: users }, (_, i) => totpRow(`auth0|${i}`, i < rejected ? "NOT-BASE32!" : undefined)),
  );
}

describe("ingestObject in two passes, against fauxqs", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  let files = 0;
  /** Puts the file at a fresh key and ingests it onto a fresh queue: the summary and the users sent. */
  async function ingest(
    body: string,
    metadata: Record<string, string> = {},
    options: Parameters<typeof ingestObject>[2] = {},
  ) {
    const key = `incoming/two-passes/${++files}.csv`;
    const queueUrl = await emulator.newQueue();
    await putObject(emulator.s3, emulator.bucket, key, body, metadata);
    const etag = await getEtag(emulator.s3, emulator.bucket, key);
    const summary = await ingestObject(
      { bucket: emulator.bucket, key, etag },
      { s3: emulator.s3, sqs: emulator.sqs, queueUrl },
      options,
    );
    const sent = (await receiveAllBodies(emulator.sqs, queueUrl)).map(parseUserFactorsMessage);
    sent.sort((a, b) => a.line - b.line);
    const rejects = await getText(emulator.s3, emulator.bucket, summary.reports.rejects);
    return { summary, sent, rejects };
  }

  it("sends nothing of a user split over two blocks, rejects both places, and counts 3 users", async () => {
    const { summary, sent, rejects } = await ingest(
      csvFile([
        csvRow({ user_id: "auth0|a", type: "phone", phone_number: FIXTURE_PHONES.us }),
        totpRow("auth0|b"),
        totpRow("auth0|a"),
        totpRow("auth0|c"),
      ]),
    );
    expect(sent.map((message) => [message.line, message.userId])).toEqual([
      [3, "auth0|b"],
      [5, "auth0|c"],
    ]);
    expect(rejects).toBe(
      "\ufeffline,user_id,errors\r\n" +
        `2,auth0|a,"${ELSEWHERE("line 4")}"\r\n` +
        `4,auth0|a,"${ELSEWHERE("line 2")}"\r\n`,
    );
    expect(summary).toMatchObject({
      users: 3,
      valid: 2,
      rejected: 1,
      duplicated: 1,
      methods: 2,
      sent: 2,
      failedToSend: 0,
      phoneCheck: "strict",
    });
    expect(summary.tooManyRejected).toBeUndefined();
  });

  describe.each([
    ["a count", "2", 20, 2, undefined],
    [
      "a count",
      "2",
      20,
      3,
      {
        limit: 2,
        message: "3 of 20 users rejected, more than max-rejected 2 allows (2): nothing of the file is sent",
      },
    ],
    ["a percentage", "10%", 20, 2, undefined],
    [
      "a percentage",
      "10%",
      20,
      3,
      {
        limit: 2,
        message:
          "3 of 20 users rejected, more than max-rejected 10% allows (2 of 20): nothing of the file is sent",
      },
    ],
  ] as const)("max-rejected as %s (%s), %i users of which %i rejected", (_, max, users, rejected, over) => {
    it(
      over === undefined
        ? "sends the valid users"
        : "sends nothing, and the summary says why with the numbers",
      async () => {
        const { summary, sent, rejects } = await ingest(fileWith(users, rejected), { "max-rejected": max });
        expect(rejects.trimEnd().split("\r\n")).toHaveLength(1 + rejected);
        expect(sent).toHaveLength(over === undefined ? users - rejected : 0);
        expect(summary).toMatchObject({
          users,
          valid: users - rejected,
          rejected,
          sent: over === undefined ? users - rejected : 0,
          maxRejected: max,
        });
        expect(summary.tooManyRejected).toEqual(
          over === undefined
            ? undefined
            : { maxRejected: max, limit: over.limit, rejected, users, message: over.message },
        );
        expect(summary.fileError).toBeUndefined();
      },
    );
  });

  it("takes the function's max-rejected when the object has none, and the object's over it", async () => {
    const file = fileWith(10, 2);
    const fromFunction = await ingest(file, {}, { maxRejected: parseMaxRejected("1") });
    expect(fromFunction.sent).toEqual([]);
    expect(fromFunction.summary.tooManyRejected?.limit).toBe(1);
    const fromObject = await ingest(file, { "max-rejected": "20%" }, { maxRejected: parseMaxRejected("1") });
    expect(fromObject.sent).toHaveLength(8);
    expect(fromObject.summary).toMatchObject({ maxRejected: "20%", sent: 8 });
  });

  it("checks phone numbers by Auth0's rule only with the object metadata phone-check: e164", async () => {
    const file = csvFile([csvRow({ user_id: "auth0|new", type: "phone", phone_number: "+1 555 555 1234" })]);
    const fromFunction = await ingest(file, {}, { phoneCheck: "e164" });
    expect(fromFunction.sent.map((message) => message.methods)).toEqual([
      [{ type: "phone", phone_number: "+15555551234" }],
    ]);
    const overridden = await ingest(file, { "phone-check": "strict" }, { phoneCheck: "e164" });
    expect(overridden.sent).toEqual([]);
    expect(overridden.summary).toMatchObject({ phoneCheck: "strict", rejected: 1 });
    const e164 = await ingest(file, { "phone-check": "E164" });
    expect(e164.summary).toMatchObject({ phoneCheck: "e164", sent: 1, rejected: 0 });
  });

  it("sends nothing when the object's metadata holds a setting it cannot read, and says which", async () => {
    const { summary, sent } = await ingest(fileWith(3, 0), { "max-rejected": "lots" });
    expect(sent).toEqual([]);
    expect(summary.fileError).toEqual({
      name: "InvalidMaxRejectedError",
      message:
        "object metadata: 'lots' is not a rejection tolerance: expected a count such as 10 or a percentage such as 2.5%",
    });
  });

  it("fails, sending nothing, when the object changes between the passes", async () => {
    const key = "incoming/two-passes/changing.csv";
    const queueUrl = await emulator.newQueue();
    await putObject(emulator.s3, emulator.bucket, key, fileWith(3, 0));
    const etag = await getEtag(emulator.s3, emulator.bucket, key);
    // Another upload lands right after pass 1 opened the object: pass 2 must not read it.
    let gets = 0;
    const name = "overwrite-after-first-get";
    emulator.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const first = context.commandName === "GetObjectCommand" && gets++ === 0;
        const result = await next(args);
        if (first) {
          await emulator.s3.send(
            new PutObjectCommand({ Bucket: emulator.bucket, Key: key, Body: fileWith(3, 3) }),
          );
        }
        return result;
      },
      { step: "initialize", name },
    );
    try {
      await expect(
        ingestObject(
          { bucket: emulator.bucket, key, etag },
          { s3: emulator.s3, sqs: emulator.sqs, queueUrl },
        ),
      ).rejects.toMatchObject({ name: "PreconditionFailed" });
    } finally {
      emulator.s3.middlewareStack.remove(name);
    }
    expect(gets).toBe(2);
    expect(await receiveAllBodies(emulator.sqs, queueUrl)).toEqual([]);
    // The object is the new upload, which its own event ingests.
    const now = await emulator.s3.send(new GetObjectCommand({ Bucket: emulator.bucket, Key: key }));
    expect(await now.Body?.transformToString()).toBe(fileWith(3, 3));
  });
});
