import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger } from "../../helpers/capturedLogger.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import {
  csvFile,
  FIXTURE_PHONES,
  FIXTURE_TOTP_SECRET,
  jsonlFile,
  jsonlLine,
} from "../../helpers/ingestFiles.js";
import { makeIngestHandler } from "../../helpers/ingestHandler.js";
import { capturedMetrics } from "../../helpers/metrics.js";
import { putObject } from "../../helpers/s3.js";
import { makeS3Event } from "../../helpers/s3Event.js";

describe("ingest metrics and request ids", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  function handlerWithMetrics() {
    const { metrics, valuesOfAll } = capturedMetrics({ functionName: "FactorSync-Ingest-abc" });
    const { logger, lines } = capturedLogger("info");
    const handler = makeIngestHandler(emulator, { logger, metrics });
    return { handler, documents: valuesOfAll, lines };
  }

  it("writes one EMF document per invocation with the users of every file it read, and its request id", async () => {
    await putObject(
      emulator.s3,
      emulator.bucket,
      "incoming/metrics/users.csv",
      csvFile([
        `auth0|1,totp,,,,${FIXTURE_TOTP_SECRET},`,
        `auth0|2,phone,${FIXTURE_PHONES.us},sms,,,`,
        "auth0|3,totp,,,,NOT-BASE32,",
      ]),
    );
    await putObject(
      emulator.s3,
      emulator.bucket,
      "incoming/metrics/users.jsonl",
      jsonlFile([jsonlLine("auth0|4", [{ type: "phone", phone_number: FIXTURE_PHONES.gb }])]),
    );
    await putObject(emulator.s3, emulator.bucket, "incoming/metrics/users.txt", "not a format\n");
    const { handler, documents, lines } = handlerWithMetrics();

    const summaries = await handler(
      makeS3Event(
        { bucket: emulator.bucket, key: "incoming/metrics/users.csv" },
        { bucket: emulator.bucket, key: "incoming/metrics/users.jsonl" },
        { bucket: emulator.bucket, key: "incoming/metrics/users.txt" },
      ),
      { awsRequestId: "req-ingest-1" },
    );

    expect(summaries.map((summary) => [summary.users, summary.rejected, summary.sent])).toEqual([
      [3, 1, 2],
      [1, 0, 1],
      [0, 0, 0],
    ]);
    expect(documents()).toEqual([
      {
        requestId: "req-ingest-1",
        FunctionName: "FactorSync-Ingest-abc",
        UsersIngested: 4,
        UsersRejected: 1,
        UsersSent: 3,
        UsersUnchanged: 0,
        UsersFailedToSend: 0,
        FileErrors: 1,
      },
    ]);
    const logged = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.length).toBeGreaterThanOrEqual(6);
    for (const line of logged) expect(line.requestId).toBe("req-ingest-1");
  });

  it("writes no document for an invocation that read no file: one that failed, one with no records", async () => {
    const { handler, documents } = handlerWithMetrics();
    await expect(
      handler(makeS3Event({ bucket: `${emulator.bucket}-missing`, key: "incoming/metrics/users.csv" }), {
        awsRequestId: "req-ingest-2",
      }),
    ).rejects.toThrow();
    await handler({ Records: [] }, { awsRequestId: "req-ingest-3" });
    expect(documents()).toEqual([]);
  });
});
