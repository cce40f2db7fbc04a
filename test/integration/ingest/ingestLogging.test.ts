import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../lib/logging/Logger.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { csvFile, FIXTURE_TOTP_SECRET, gzip, jsonlFile, jsonlLine } from "../../helpers/ingestFiles.js";
import { makeIngestHandler } from "../../helpers/ingestHandler.js";
import { putObject } from "../../helpers/s3.js";
import { makeS3Event } from "../../helpers/s3Event.js";

/** Every value of the files below that must never reach a log line, as written and as normalised. */
const SECRETS = [
  FIXTURE_TOTP_SECRET,
  "jbsw y3dp ehpk 3pxp",
  "KRSXG5CTMVRXEZLU",
  "krsx g5ct",
  "NOT-BASE32",
  "+1 (415) 555-2671",
  "+14155552671",
  "4155552671",
  "555-1234",
  "+447911123456",
  "7911123456",
  "ann@example.com",
  "bob@example.com",
  "@example.com",
];

/** A logger at debug level whose lines are kept, parsed, for the test to read. */
function capturingLogger() {
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = createLogger({ level: "debug", destination, base: { fn: "ingest" } });
  const lines = () =>
    text
      .join("")
      .split("\n")
      .filter((line) => line !== "");
  return { logger, lines };
}

describe("ingest logging", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  it("logs one JSON line per event, with counts and ids, and never a secret, phone number or email", async () => {
    const { logger, lines } = capturingLogger();
    const files: [string, string | Buffer][] = [
      [
        "incoming/log/users.csv",
        csvFile([
          "auth0|1,totp,,,,jbsw y3dp ehpk 3pxp,",
          "auth0|1,phone,+1 (415) 555-2671,sms,,,",
          "auth0|2,email,,,ann@example.com,,",
          "auth0|3,phone,555-1234,,,,",
          "auth0|4,totp,,,,NOT-BASE32,",
          "auth0|5,email,,,bob@example.com,,",
          "auth0|5,totp,,,,krsx g5ct mvrx ezlu,",
          "auth0|6,phone,+447911123456,,,,",
        ]),
      ],
      [
        "incoming/log/users.jsonl.gz",
        gzip(
          jsonlFile([
            jsonlLine("auth0|7", [{ type: "totp", totp_secret: "KRSXG5CTMVRXEZLU" }]),
            `{"user_id":"auth0|8","authentication_methods":[{"type":"totp","totp_secret":"${FIXTURE_TOTP_SECRET}"}`,
            jsonlLine("auth0|9", [{ type: "phone", phone_number: "7911123456", email: "ann@example.com" }]),
          ]),
        ),
      ],
      // A file whose first row is data: its header check must not put the cells in a log line.
      ["incoming/log/no-header.csv", `user_id,type,${FIXTURE_TOTP_SECRET}\nauth0|1,totp,x\n`],
    ];
    // A queue that refuses big messages, so one user ends "not sent" (and is logged as such).
    const queueUrl = await emulator.newQueue({ MaximumMessageSize: "1024" });
    const handler = makeIngestHandler(emulator, { queueUrl, logger });
    for (const [key, body] of files) await putObject(emulator.s3, emulator.bucket, key, body);
    const big = Array.from({ length: 12 }, (_, i) => ({
      type: "totp",
      totp_secret: `${FIXTURE_TOTP_SECRET}${"ABCDEFGHIJKL"[i]}`,
      name: `Authenticator app ${i + 1}`,
    }));
    await putObject(
      emulator.s3,
      emulator.bucket,
      "incoming/log/big.jsonl",
      jsonlFile([jsonlLine("auth0|10", big)]),
    );

    const summaries = await handler(
      makeS3Event(
        ...[...files.map(([key]) => key), "incoming/log/big.jsonl"].map((key) => ({
          bucket: emulator.bucket,
          key,
        })),
      ),
    );
    expect(summaries.map((s) => [s.sent, s.rejected, s.failedToSend, s.fileError?.name])).toEqual([
      [3, 3, 0, undefined],
      [1, 2, 0, undefined],
      [0, 0, 0, "UnknownColumnError"],
      [0, 0, 1, undefined],
    ]);
    // An unusable queue: retried, then the error is logged and thrown.
    const broken = makeIngestHandler(emulator, { queueUrl: `${queueUrl}-missing`, logger });
    await expect(
      broken(makeS3Event({ bucket: emulator.bucket, key: "incoming/log/users.csv" })),
    ).rejects.toThrow();

    const logged = lines();
    const events = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => [e.level, e.msg, e.key])).toEqual([
      [30, "ingest started", "incoming/log/users.csv"],
      [30, "ingest done", "incoming/log/users.csv"],
      [30, "ingest started", "incoming/log/users.jsonl.gz"],
      [30, "ingest done", "incoming/log/users.jsonl.gz"],
      [30, "ingest started", "incoming/log/no-header.csv"],
      [30, "ingest stopped by a file error", "incoming/log/no-header.csv"],
      [30, "ingest started", "incoming/log/big.jsonl"],
      [40, "user not sent", "incoming/log/big.jsonl"],
      [30, "ingest done", "incoming/log/big.jsonl"],
      [30, "ingest started", "incoming/log/users.csv"],
      [40, "SendMessageBatch failed, retrying", "incoming/log/users.csv"],
      [40, "SendMessageBatch failed, retrying", "incoming/log/users.csv"],
      [40, "SendMessageBatch failed, retrying", "incoming/log/users.csv"],
      [50, "ingest failed", "incoming/log/users.csv"],
    ]);
    expect(events[1]).toMatchObject({
      fn: "ingest",
      users: 6,
      valid: 3,
      rejected: 3,
      sent: 3,
      failedToSend: 0,
    });
    expect(events[5]).toMatchObject({ fileError: "UnknownColumnError", fileErrorLine: 1 });
    expect(events[7]).toMatchObject({ line: 1, userId: "auth0|10", code: "InvalidParameterValue" });
    expect(events[13]).toMatchObject({ error: "QueueSendError" });

    const all = logged.join("\n");
    for (const secret of SECRETS) expect(all, `a log line holds ${secret}`).not.toContain(secret);
  });
});
