import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserFactors } from "../../../lib/factors/types.js";
import { QueueSendError } from "../../../lib/fanout/errors.js";
import { parseUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import type { IngestSummary } from "../../../lib/reports/IngestSummary.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import {
  CSV_HEADER,
  csvFile,
  FIXTURE_PHONES,
  FIXTURE_TOTP_SECRET,
  gzip,
  jsonlFile,
  jsonlLine,
} from "../../helpers/ingestFiles.js";
import { makeIngestHandler } from "../../helpers/ingestHandler.js";
import { receiveAllBodies } from "../../helpers/queue.js";
import { getEtag, getJson, getText, listKeys, putObject } from "../../helpers/s3.js";
import { makeS3Event } from "../../helpers/s3Event.js";

/** Every CSV report starts with a UTF-8 byte-order mark (for Excel), then its header. */
const REJECTS_HEADER = "\uFEFFline,user_id,errors\r\n";

/** Fields every summary of a run through {@link makeIngestHandler} has (its clock makes a run take 1.5 s). */
const timing = {
  startedAt: "2026-11-29T18:00:00.000Z",
  finishedAt: "2026-11-29T18:00:01.500Z",
  durationMs: 1500,
};

describe("ingest handler against fauxqs", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  /** Puts `body` at `key` and runs the handler on its ObjectCreated event, with a fresh queue. */
  async function ingest(key: string, body: string | Buffer, metadata: Record<string, string> = {}) {
    const queueUrl = await emulator.newQueue();
    await putObject(emulator.s3, emulator.bucket, key, body, metadata);
    const etag = await getEtag(emulator.s3, emulator.bucket, key);
    const summaries = await makeIngestHandler(emulator, { queueUrl })(
      makeS3Event({ bucket: emulator.bucket, key, eTag: etag }),
    );
    const messages = (await receiveAllBodies(emulator.sqs, queueUrl)).map(parseUserFactorsMessage);
    messages.sort((a, b) => a.line - b.line);
    return { summaries, messages, etag, source: { bucket: emulator.bucket, key, etag } };
  }

  const text = (key: string) => getText(emulator.s3, emulator.bucket, key);
  const json = (key: string) => getJson(emulator.s3, emulator.bucket, key);

  it("sends one message per valid user of a CSV file and reports the rejected ones, with the summary", async () => {
    const key = "incoming/2026/users.csv";
    const file = csvFile(
      [
        "auth0|1,totp,,,,jbsw y3dp ehpk 3pxp==,",
        'auth0|1,phone,+1 (415) 555-2671,SMS,,,"Work, mobile"',
        "auth0|2,email,,,ann@example.com,,",
        "auth0|3,phone,555-1234,,,,",
        "auth0|4,totp,,,,NOT-BASE32!,",
        "auth0|5,email,,,bob@example.com,,",
        `auth0|5,totp,,,,${FIXTURE_TOTP_SECRET},`,
        "=HYPERLINK(1),sms,,,,,",
        `auth0|6,phone,${FIXTURE_PHONES.gb},voice,,,`,
      ],
      { eol: "\r\n" },
    );
    const { summaries, messages, source } = await ingest(key, file);

    const valid: UserFactors[] = [
      {
        userId: "auth0|1",
        line: 2,
        methods: [
          { type: "totp", totp_secret: FIXTURE_TOTP_SECRET },
          {
            type: "phone",
            phone_number: FIXTURE_PHONES.us,
            preferred_authentication_method: "sms",
            name: "Work, mobile",
          },
        ],
      },
      { userId: "auth0|2", line: 4, methods: [{ type: "email", email: "ann@example.com" }] },
      {
        userId: "auth0|6",
        line: 10,
        methods: [
          { type: "phone", phone_number: FIXTURE_PHONES.gb, preferred_authentication_method: "voice" },
        ],
      },
    ];
    expect(messages).toEqual(valid.map((user) => ({ version: 1, source, ...user })));

    expect(await text("reports/2026/users.csv.rejects.csv")).toBe(
      REJECTS_HEADER +
        `5,auth0|3,"phone_number '555-1234' is not E.164 (add the country code, or set --default-country)"\r\n` +
        `6,auth0|4,"totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)"\r\n` +
        "7,auth0|5,email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)\r\n" +
        `9,'=HYPERLINK(1),"type 'sms' is not phone, email or totp"\r\n`,
    );
    const summary: IngestSummary = {
      source,
      users: 7,
      valid: 3,
      rejected: 4,
      methods: 4,
      unchanged: 0,
      sent: 3,
      failedToSend: 0,
      lines: 10,
      bytes: Buffer.byteLength(file),
      allowClear: false,
      phoneCheck: "strict",
      ...timing,
      reports: {
        rejects: "reports/2026/users.csv.rejects.csv",
        summary: "reports/2026/users.csv.summary.json",
      },
    };
    expect(summaries).toEqual([summary]);
    expect(await json("reports/2026/users.csv.summary.json")).toEqual(summary);
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/2026/users.csv")).toEqual([
      "reports/2026/users.csv.rejects.csv",
      "reports/2026/users.csv.summary.json",
    ]);
  });

  it("sends the valid users of a gzipped JSONL file and reports the rejected ones", async () => {
    const key = "incoming/users.jsonl.gz";
    const totp = { type: "totp", totp_secret: FIXTURE_TOTP_SECRET };
    const content = jsonlFile([
      jsonlLine("auth0|10", [totp]),
      jsonlLine("auth0|11", [
        { type: "phone", phone_number: FIXTURE_PHONES.gb, preferred_authentication_method: "voice" },
      ]),
      "",
      jsonlLine("auth0|12", [{ type: "email", email: "c@example.com" }, totp]),
      '{"user_id": "auth0|14", "authentication_methods": [',
      jsonlLine("auth0|10", [totp]),
      jsonlLine("auth0|13", [{ ...totp, name: "Authenticator" }]),
      jsonlLine("auth0|15", []),
    ]);
    const { summaries, messages, source } = await ingest(key, gzip(content));

    // auth0|10 is on lines 1 and 6: rejected in both places, nothing of it sent.
    expect(messages).toEqual([
      {
        version: 1,
        source,
        userId: "auth0|11",
        line: 2,
        methods: [
          { type: "phone", phone_number: FIXTURE_PHONES.gb, preferred_authentication_method: "voice" },
        ],
      },
      { version: 1, source, userId: "auth0|13", line: 7, methods: [{ ...totp, name: "Authenticator" }] },
    ]);
    expect(await text("reports/users.jsonl.gz.rejects.csv")).toBe(
      REJECTS_HEADER +
        `1,auth0|10,"the same user_id is also on line 6: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent"\r\n` +
        "4,auth0|12,email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)\r\n" +
        "5,auth0|14,the line is not valid JSON\r\n" +
        `6,auth0|10,"the same user_id is also on line 1: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent"\r\n` +
        `8,auth0|15,"the method set is empty, which would delete all of the user's factors (allow it with --allow-clear or the object metadata allow-clear: true)"\r\n`,
    );
    const summary: IngestSummary = {
      source,
      users: 6,
      valid: 2,
      rejected: 4,
      duplicated: 1,
      methods: 2,
      unchanged: 0,
      sent: 2,
      failedToSend: 0,
      lines: 8,
      bytes: Buffer.byteLength(content),
      allowClear: false,
      phoneCheck: "strict",
      ...timing,
      reports: {
        rejects: "reports/users.jsonl.gz.rejects.csv",
        summary: "reports/users.jsonl.gz.summary.json",
      },
    };
    expect(summaries).toEqual([summary]);
    expect(await json("reports/users.jsonl.gz.summary.json")).toEqual(summary);
  });

  it("decodes the event's URL-encoded key, where + is a space and %2B a plus", async () => {
    const key = "incoming/2026/Q1 users+extra.csv";
    const { summaries, messages } = await ingest(key, csvFile([`auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`]));
    expect(messages.map((m) => [m.source.key, m.userId])).toEqual([[key, "auth0|1"]]);
    expect(summaries[0]?.reports).toEqual({
      rejects: "reports/2026/Q1 users+extra.csv.rejects.csv",
      summary: "reports/2026/Q1 users+extra.csv.summary.json",
    });
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/2026/Q1")).toEqual([
      "reports/2026/Q1 users+extra.csv.rejects.csv",
      "reports/2026/Q1 users+extra.csv.summary.json",
    ]);
  });

  it("reads the event's object version and carries it, with the etag, in every message and the summary", async () => {
    const queueUrl = await emulator.newQueue();
    const key = "incoming/versioned.csv";
    await putObject(emulator.s3, emulator.bucket, key, csvFile([`auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`]));
    const etag = await getEtag(emulator.s3, emulator.bucket, key);
    const versionId = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY";
    const [summary] = await makeIngestHandler(emulator, { queueUrl })(
      makeS3Event({ bucket: emulator.bucket, key, eTag: etag, versionId }),
    );
    const source = { bucket: emulator.bucket, key, versionId, etag };
    expect(summary?.source).toEqual(source);
    const messages = (await receiveAllBodies(emulator.sqs, queueUrl)).map(parseUserFactorsMessage);
    expect(messages.map((m) => m.source)).toEqual([source]);
  });

  it("sends nothing for an unsupported file name, and says why in the summary", async () => {
    const key = "incoming/users.xlsx";
    const { summaries, messages, source } = await ingest(key, "user_id,type\nauth0|1,totp\n");
    expect(messages).toEqual([]);
    const summary: IngestSummary = {
      source,
      users: 0,
      valid: 0,
      rejected: 0,
      methods: 0,
      unchanged: 0,
      sent: 0,
      failedToSend: 0,
      lines: 0,
      bytes: 0,
      allowClear: false,
      phoneCheck: "strict",
      ...timing,
      reports: { rejects: "reports/users.xlsx.rejects.csv", summary: "reports/users.xlsx.summary.json" },
      fileError: {
        name: "UnsupportedFileError",
        message:
          "unsupported file name 'incoming/users.xlsx': expected a name ending in .csv or .jsonl, optionally followed by .gz",
      },
    };
    expect(summaries).toEqual([summary]);
    expect(await json("reports/users.xlsx.summary.json")).toEqual(summary);
    expect(await text("reports/users.xlsx.rejects.csv")).toBe(REJECTS_HEADER);
  });

  // The stack sends ingest every key under incoming/ (no suffix filter), so names in any case reach it.
  it.each([
    ["incoming/case/USERS.CSV", csvFile([`auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`])],
    [
      "incoming/case/Users.JsonL.GZ",
      gzip(jsonlFile([jsonlLine("auth0|1", [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }])])),
    ],
  ])("reads %s, whose ending differs from .csv or .jsonl[.gz] only in case", async (key, body) => {
    const { summaries, messages } = await ingest(key, body);
    expect(messages.map((m) => [m.source.key, m.userId, m.methods])).toEqual([
      [key, "auth0|1", [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }]],
    ]);
    expect(
      summaries.map(({ users, sent, rejected, fileError }) => ({ users, sent, rejected, fileError })),
    ).toEqual([{ users: 1, sent: 1, rejected: 0, fileError: undefined }]);
  });

  it("sends nothing of a gzip file truncated after valid users, and the summary says where reading stopped", async () => {
    const key = "incoming/truncated.csv.gz";
    const rows = Array.from({ length: 2_000 }, (_, i) => `auth0|${i + 1},totp,,,,${FIXTURE_TOTP_SECRET},`);
    const full = gzip(csvFile(rows));
    const { summaries, messages } = await ingest(key, full.subarray(0, Math.floor(full.length * 0.6)));

    const [summary] = summaries;
    const stoppedAt = summary?.fileError?.line ?? 0;
    expect(stoppedAt).toBeGreaterThan(1);
    expect(stoppedAt).toBeLessThan(2_001);
    // Pass 1 found the damage before anything was sent: the users before it are counted, none is sent.
    expect(messages).toEqual([]);
    expect(summary).toMatchObject({
      users: stoppedAt - 1,
      valid: stoppedAt - 1,
      rejected: 0,
      sent: 0,
      failedToSend: 0,
      fileError: {
        name: "CorruptInputError",
        message: `the gzip data is corrupt or truncated: reading stopped after line ${stoppedAt}; the rest of the file was not read`,
        line: stoppedAt,
      },
    });
    expect(await json("reports/truncated.csv.gz.summary.json")).toEqual(summary);
    expect(await text("reports/truncated.csv.gz.rejects.csv")).toBe(REJECTS_HEADER);
  });

  describe.each([
    ["allow-clear: true", { "allow-clear": "true" }, true],
    ["allow-clear: TRUE", { "allow-clear": "TRUE" }, true],
    ["allow-clear: false", { "allow-clear": "false" }, false],
    ["no metadata", {}, false],
  ])("an empty method set, with %s on the object", (_, metadata, allowed) => {
    it(allowed ? "is sent, to clear the user's factors" : "is rejected", async () => {
      const key = `incoming/clear-${allowed}-${Object.values(metadata).join("")}.csv`;
      const { summaries, messages, source } = await ingest(
        key,
        csvFile(["auth0|1,,,,,,", `auth0|2,totp,,,,${FIXTURE_TOTP_SECRET},`]),
        metadata,
      );
      const keep = {
        version: 1,
        source,
        userId: "auth0|2",
        line: 3,
        methods: [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }],
      };
      const rejects = await text(summaries[0]?.reports.rejects ?? "");
      if (allowed) {
        expect(messages).toEqual([{ version: 1, source, userId: "auth0|1", line: 2, methods: [] }, keep]);
        expect(rejects).toBe(REJECTS_HEADER);
      } else {
        expect(messages).toEqual([keep]);
        expect(rejects).toBe(
          `${REJECTS_HEADER}2,auth0|1,"the method set is empty, which would delete all of the user's factors (allow it with --allow-clear or the object metadata allow-clear: true)"\r\n`,
        );
      }
      expect(summaries[0]).toMatchObject({ allowClear: allowed, sent: allowed ? 2 : 1 });
    });
  });

  it("reports the users SQS refuses in the unsent report, and counts them", async () => {
    const queueUrl = await emulator.newQueue({ MaximumMessageSize: "1024" });
    const key = "incoming/big-user.jsonl";
    const many = Array.from({ length: 12 }, (_, i) => ({
      type: "totp",
      totp_secret: `${FIXTURE_TOTP_SECRET}${"ABCDEFGHIJKL"[i]}`,
      name: `Authenticator app ${i + 1}`,
    }));
    await putObject(
      emulator.s3,
      emulator.bucket,
      key,
      jsonlFile([
        jsonlLine("auth0|1", [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }]),
        jsonlLine("auth0|2", many),
      ]),
    );
    const [summary] = await makeIngestHandler(emulator, { queueUrl })(
      makeS3Event({ bucket: emulator.bucket, key }),
    );
    const messages = (await receiveAllBodies(emulator.sqs, queueUrl)).map(parseUserFactorsMessage);
    expect(messages.map((m) => m.userId)).toEqual(["auth0|1"]);
    expect(summary).toMatchObject({
      users: 2,
      valid: 2,
      sent: 1,
      failedToSend: 1,
      reports: {
        rejects: "reports/big-user.jsonl.rejects.csv",
        summary: "reports/big-user.jsonl.summary.json",
        unsent: "reports/big-user.jsonl.unsent.csv",
      },
    });
    expect(await text("reports/big-user.jsonl.unsent.csv")).toBe(
      "\uFEFFline,user_id,reason\r\n" +
        `2,auth0|2,InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.\r\n`,
    );
  });

  it("ingests every object of an event, in order", async () => {
    const queueUrl = await emulator.newQueue();
    const keys = ["incoming/multi/a.csv", "incoming/multi/b.jsonl"];
    await putObject(
      emulator.s3,
      emulator.bucket,
      keys[0] as string,
      csvFile([`auth0|a,totp,,,,${FIXTURE_TOTP_SECRET},`]),
    );
    await putObject(
      emulator.s3,
      emulator.bucket,
      keys[1] as string,
      jsonlFile([jsonlLine("auth0|b", [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }])]),
    );
    const summaries = await makeIngestHandler(emulator, { queueUrl })(
      makeS3Event(...keys.map((key) => ({ bucket: emulator.bucket, key }))),
    );
    expect(summaries.map((s) => [s.source.key, s.sent])).toEqual([
      ["incoming/multi/a.csv", 1],
      ["incoming/multi/b.jsonl", 1],
    ]);
    const users = (await receiveAllBodies(emulator.sqs, queueUrl)).map(
      (b) => parseUserFactorsMessage(b).userId,
    );
    expect(users.sort()).toEqual(["auth0|a", "auth0|b"]);
  });

  it("skips an object under the reports prefix, so reports never make reports", async () => {
    const key = "reports/2026/users.csv.rejects.csv";
    await putObject(emulator.s3, emulator.bucket, key, REJECTS_HEADER);
    const before = await listKeys(emulator.s3, emulator.bucket, "reports/");
    expect(await makeIngestHandler(emulator)(makeS3Event({ bucket: emulator.bucket, key }))).toEqual([]);
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/")).toEqual(before);
  });

  it("skips a folder marker (a key ending in /, as the S3 console creates), says so in the log, and reads the rest", async () => {
    const queueUrl = await emulator.newQueue();
    const marker = "incoming/folder marker/";
    const file = "incoming/folder marker/users.csv";
    await putObject(emulator.s3, emulator.bucket, marker, "");
    await putObject(emulator.s3, emulator.bucket, file, csvFile([`auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`]));
    const { logger, lines } = capturedLogger();
    const summaries = await makeIngestHandler(emulator, { queueUrl, logger })(
      makeS3Event({ bucket: emulator.bucket, key: marker }, { bucket: emulator.bucket, key: file }),
    );
    expect(summaries.map((summary) => [summary.source.key, summary.sent])).toEqual([[file, 1]]);
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/folder marker/")).toEqual([
      "reports/folder marker/users.csv.rejects.csv",
      "reports/folder marker/users.csv.summary.json",
    ]);
    const logged = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.filter((line) => line.key === marker).map(({ time: _, ...line }) => line)).toEqual([
      { level: 30, bucket: emulator.bucket, key: marker, msg: "skipped: the object is a folder marker" },
    ]);
  });

  it("returns no summary for an event without records (S3's test event)", async () => {
    expect(await makeIngestHandler(emulator)({ Records: [] })).toEqual([]);
  });

  it("throws when the queue cannot be used, leaving no report behind, so that the invocation fails", async () => {
    const key = "incoming/no-queue.csv";
    await putObject(emulator.s3, emulator.bucket, key, csvFile([`auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`]));
    const handler = makeIngestHandler(emulator, {
      queueUrl: emulator.queueUrl.replace(/work$/, "missing"),
    });
    await expect(handler(makeS3Event({ bucket: emulator.bucket, key }))).rejects.toBeInstanceOf(
      QueueSendError,
    );
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/no-queue")).toEqual([]);
  });

  it("throws when the object cannot be read", async () => {
    const handler = makeIngestHandler(emulator);
    await expect(
      handler(makeS3Event({ bucket: emulator.bucket, key: "incoming/gone.csv" })),
    ).rejects.toMatchObject({ name: "NoSuchKey" });
    expect(await listKeys(emulator.s3, emulator.bucket, "reports/gone")).toEqual([]);
  });

  it("treats a header-only CSV as a valid, empty file", async () => {
    const { summaries, messages } = await ingest("incoming/header-only.csv", `${CSV_HEADER}\n`);
    expect(messages).toEqual([]);
    expect(summaries[0]).toMatchObject({ users: 0, sent: 0, lines: 1 });
    expect(summaries[0]).not.toHaveProperty("fileError");
  });
});
