import { describe, expect, it } from "vitest";
import { CorruptInputError, EmptyFileError, UnknownColumnError } from "../../../lib/ingest/errors.js";
import {
  CSV,
  CSV_GZ,
  csvFile,
  csvRow,
  FIXTURE_PHONES,
  FIXTURE_TOTP_SECRET,
  gzip,
  JSONL,
  jsonlFile,
  jsonlLine,
  readAll,
} from "../../helpers/ingestFiles.js";

describe("readUserFactors", () => {
  it("yields each user of a CSV file in file order, its rows grouped and normalised", async () => {
    const file = csvFile([
      csvRow({ user_id: "auth0|1", type: "totp", totp_secret: "jbsw y3dp ehpk 3pxp==" }),
      csvRow({
        user_id: "auth0|1",
        type: "PHONE",
        phone_number: "+1 (415) 555-2671",
        preferred_authentication_method: "SMS",
      }),
      csvRow({ user_id: "auth0|2", type: "email", email: "a@example.com", name: "Mail" }),
    ]);
    const outcome = await readAll(file, CSV);
    expect(outcome.error).toBeUndefined();
    expect(outcome.valid).toEqual([
      {
        userId: "auth0|1",
        line: 2,
        methods: [
          { type: "totp", totp_secret: FIXTURE_TOTP_SECRET },
          { type: "phone", phone_number: FIXTURE_PHONES.us, preferred_authentication_method: "sms" },
        ],
      },
      { userId: "auth0|2", line: 4, methods: [{ type: "email", email: "a@example.com", name: "Mail" }] },
    ]);
    expect(outcome.summary).toEqual({
      users: 2,
      valid: 2,
      rejected: 0,
      duplicated: 0,
      methods: 3,
      lines: 4,
      bytes: file.length,
    });
  });

  it("yields rejected users between valid ones, with their line and every reason", async () => {
    const outcome = await readAll(
      csvFile([
        csvRow({ user_id: "auth0|1", type: "totp", totp_secret: FIXTURE_TOTP_SECRET }),
        csvRow({ user_id: "auth0|42", type: "phone", phone_number: "555-1234", name: "x".repeat(21) }),
        csvRow({ user_id: "auth0|3", type: "totp", totp_secret: FIXTURE_TOTP_SECRET }),
      ]),
      CSV,
    );
    expect(outcome.order).toEqual(["valid 2 auth0|1", "rejected 3 auth0|42", "valid 4 auth0|3"]);
    expect(outcome.rejected).toEqual([
      {
        line: 3,
        userId: "auth0|42",
        errors: [
          "phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
          "name 'xxxxxxxxxxxxxxxxxxxxx' is 21 characters long, at most 20 are allowed",
        ],
      },
    ]);
  });

  it("reads JSONL, one user a line", async () => {
    const outcome = await readAll(
      jsonlFile([
        jsonlLine("auth0|1", [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }]),
        jsonlLine("auth0|2", [{ type: "phone", phone_number: "07911 123456" }]),
      ]),
      JSONL,
      { defaultCountry: "GB" },
    );
    expect(outcome.valid).toEqual([
      { userId: "auth0|1", line: 1, methods: [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }] },
      { userId: "auth0|2", line: 2, methods: [{ type: "phone", phone_number: FIXTURE_PHONES.gb }] },
    ]);
    expect(outcome.rejected).toEqual([]);
  });

  it("reads gzip-compressed input as a stream", async () => {
    const outcome = await readAll(
      gzip(csvFile([csvRow({ user_id: "auth0|1", type: "totp", totp_secret: FIXTURE_TOTP_SECRET })])),
      CSV_GZ,
      {},
      7,
    );
    expect(outcome.valid).toEqual([
      { userId: "auth0|1", line: 2, methods: [{ type: "totp", totp_secret: FIXTURE_TOTP_SECRET }] },
    ]);
  });

  it("throws a header problem before yielding any user", async () => {
    const outcome = await readAll("user_id,type,phone\nauth0|1,phone,+14155552671\n", CSV);
    expect(outcome.order).toEqual([]);
    expect(outcome.error).toBeInstanceOf(UnknownColumnError);
  });

  it("throws EmptyFileError for a file with nothing in it", async () => {
    expect((await readAll("", CSV)).error).toBeInstanceOf(EmptyFileError);
  });

  it("stops at truncated gzip after yielding the users read completely, saying after which line", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      csvRow({ user_id: `auth0|${i}`, type: "totp", totp_secret: FIXTURE_TOTP_SECRET }),
    );
    const compressed = gzip(csvFile(rows));
    const outcome = await readAll(compressed.subarray(0, compressed.length - 40), CSV_GZ, {}, 512);
    expect(outcome.error).toBeInstanceOf(CorruptInputError);
    const error = outcome.error as CorruptInputError;
    expect(outcome.valid.length).toBeGreaterThan(0);
    expect(error.lastLine).toBe(outcome.valid.length + 1);
    expect(outcome.valid.map((user) => user.line)).toEqual(outcome.valid.map((_, i) => i + 2));
  });
});

describe("readUserFactors with phone workers", () => {
  it("gives the same users and reasons as validating phone numbers on the calling thread", async () => {
    const file = csvFile(
      Array.from({ length: 400 }, (_, i) =>
        csvRow({
          user_id: `auth0|${i}`,
          type: "phone",
          phone_number: i % 7 === 0 ? "555-1234" : i % 2 === 0 ? "07911 123456" : FIXTURE_PHONES.de,
        }),
      ),
    );
    const inline = await readAll(file, CSV, { phoneWorkers: 0, defaultCountry: "GB" }, 1024);
    const workers = await readAll(file, CSV, { phoneWorkers: 2, defaultCountry: "GB" }, 1024);
    expect(workers.error).toBeUndefined();
    expect(workers.valid).toEqual(inline.valid);
    expect(workers.rejected).toEqual(inline.rejected);
    expect(inline.valid).toHaveLength(342);
    expect(inline.rejected[0]).toEqual({
      line: 2,
      userId: "auth0|0",
      errors: [
        "phone_number '555-1234' is neither E.164 nor a valid GB number (if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
      ],
    });
  });
});
