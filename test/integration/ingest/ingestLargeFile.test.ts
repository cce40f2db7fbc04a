import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { type Emulator, startEmulator } from "../../helpers/emulator.js";
import { CSV_HEADER, FIXTURE_TOTP_SECRET } from "../../helpers/ingestFiles.js";
import { makeIngestHandler } from "../../helpers/ingestHandler.js";
import { peekAllBodies } from "../../helpers/queue.js";
import { getText, putObject } from "../../helpers/s3.js";
import { makeS3Event } from "../../helpers/s3Event.js";

const USERS = 50_000;
/** Every 1,000th user has a national phone number (no default country): rejected. */
const isRejected = (n: number) => n % 1_000 === 0;
const phone = (n: number) => `+1415555${String(n % 10_000).padStart(4, "0")}`;

/** The file as a stream of rows: two rows a user (totp, phone), ~7 MiB, never held whole. */
function* largeCsv(): Generator<string> {
  yield `${CSV_HEADER}\n`;
  for (let n = 1; n <= USERS; n++) {
    yield `auth0|user${n},totp,,,,${FIXTURE_TOTP_SECRET},Authenticator app\n`;
    yield `auth0|user${n},phone,${isRejected(n) ? "415 555 0100" : phone(n)},sms,,,Personal mobile\n`;
  }
}

describe("ingest handler on a large file", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.stop());

  it("streams 50,000 users to one message each, the rejected ones to the report", {
    timeout: 300_000,
  }, async () => {
    const key = "incoming/large/users.csv";
    await putObject(emulator.s3, emulator.bucket, key, Readable.from(largeCsv()));
    const queueUrl = await emulator.newQueue();

    const [summary] = await makeIngestHandler(emulator, { queueUrl })(
      makeS3Event({ bucket: emulator.bucket, key }),
    );

    const rejected = USERS / 1_000;
    expect(summary).toMatchObject({
      users: USERS,
      valid: USERS - rejected,
      rejected,
      methods: 2 * (USERS - rejected),
      sent: USERS - rejected,
      failedToSend: 0,
      lines: 2 * USERS + 1,
    });
    expect(summary?.bytes).toBeGreaterThan(5 * 1024 * 1024);

    const byUser = new Map<string, number>();
    for (const body of peekAllBodies(emulator.aws, queueUrl)) {
      const message = parseUserFactorsMessage(body);
      byUser.set(message.userId, (byUser.get(message.userId) ?? 0) + 1);
      expect(message.line).toBe(2 * Number(message.userId.slice("auth0|user".length)));
    }
    const expected = Array.from({ length: USERS }, (_, i) => i + 1).filter((n) => !isRejected(n));
    expect([...byUser.keys()].sort()).toEqual(expected.map((n) => `auth0|user${n}`).sort());
    expect([...byUser].filter(([, count]) => count !== 1)).toEqual([]);

    const report = (await getText(emulator.s3, emulator.bucket, "reports/large/users.csv.rejects.csv")).split(
      "\r\n",
    );
    expect(report[0]).toBe("\uFEFFline,user_id,errors");
    expect(report.slice(1, -1)).toEqual(
      Array.from({ length: rejected }, (_, i) => {
        const n = (i + 1) * 1_000;
        return `${2 * n},auth0|user${n},"line ${2 * n + 1}: phone_number '415 555 0100' is not E.164 (add the country code, or set --default-country)"`;
      }),
    );
  });
});
