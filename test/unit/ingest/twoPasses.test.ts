import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { RejectedUser, UserFactors } from "../../../lib/factors/types.js";
import { CorruptInputError, InputChangedError } from "../../../lib/ingest/errors.js";
import { readDraftBatches } from "../../../lib/ingest/readDraftBatches.js";
import { readUserFactors } from "../../../lib/ingest/readUserFactors.js";
import type { FileKind, ReadOptions, UserDraft } from "../../../lib/ingest/types.js";
import { createUserValidator } from "../../../lib/ingest/validateUser.js";
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

const SECRET = FIXTURE_TOTP_SECRET;
const ELSEWHERE = (where: string) =>
  `the same user_id is also on ${where}: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent`;
const NOT_BASE32 =
  "totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)";
const totp = (userId: string, line: number): UserFactors => ({
  userId,
  line,
  methods: [{ type: "totp", totp_secret: SECRET }],
});
const totpRow = (userId: string, secret = SECRET) =>
  csvRow({ user_id: userId, type: "totp", totp_secret: secret });

describe("a user in more than one place", () => {
  it("is rejected in both of two CSV blocks, each naming the other, and counts as one user", async () => {
    // The example: auth0|a's phone on line 2, its TOTP on line 4, another user between.
    const outcome = await readAll(
      csvFile([
        csvRow({ user_id: "auth0|a", type: "phone", phone_number: FIXTURE_PHONES.us }),
        totpRow("auth0|b"),
        totpRow("auth0|a"),
        totpRow("auth0|c"),
      ]),
      CSV,
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.order).toEqual([
      "rejected 2 auth0|a",
      "valid 3 auth0|b",
      "rejected 4 auth0|a",
      "valid 5 auth0|c",
    ]);
    expect(outcome.rejected).toEqual([
      { line: 2, userId: "auth0|a", errors: [ELSEWHERE("line 4")] },
      { line: 4, userId: "auth0|a", errors: [ELSEWHERE("line 2")] },
    ]);
    expect(outcome.valid).toEqual([totp("auth0|b", 3), totp("auth0|c", 5)]);
    expect(outcome.summary).toEqual({
      users: 3,
      valid: 2,
      rejected: 1,
      duplicated: 1,
      methods: 2,
      lines: 5,
      bytes: expect.any(Number),
    });
  });

  it("is rejected in each of three CSV blocks, each naming the two others", async () => {
    const outcome = await readAll(
      csvFile([
        totpRow("auth0|a"),
        totpRow("auth0|b"),
        csvRow({ user_id: "auth0|a", type: "phone", phone_number: FIXTURE_PHONES.gb }),
        csvRow({ user_id: "auth0|a", type: "phone", phone_number: FIXTURE_PHONES.de }),
        totpRow("auth0|c"),
        csvRow({ user_id: "auth0|a", type: "email", email: "a@example.com" }),
      ]),
      CSV,
    );
    expect(outcome.rejected).toEqual([
      { line: 2, userId: "auth0|a", errors: [ELSEWHERE("lines 4 and 7")] },
      { line: 4, userId: "auth0|a", errors: [ELSEWHERE("lines 2 and 7")] },
      // Its own problem (email beside nothing else is fine; here it is alone in its block) adds nothing.
      { line: 7, userId: "auth0|a", errors: [ELSEWHERE("lines 2 and 4")] },
    ]);
    expect(outcome.valid).toEqual([totp("auth0|b", 3), totp("auth0|c", 6)]);
    expect(outcome.summary).toMatchObject({ users: 3, valid: 2, rejected: 1, duplicated: 1, methods: 2 });
  });

  it("is rejected on both JSONL lines", async () => {
    const line = (userId: string) => jsonlLine(userId, [{ type: "totp", totp_secret: SECRET }]);
    const outcome = await readAll(jsonlFile([line("auth0|a"), line("auth0|b"), "", line("auth0|a")]), JSONL);
    expect(outcome.rejected).toEqual([
      { line: 1, userId: "auth0|a", errors: [ELSEWHERE("line 4")] },
      { line: 4, userId: "auth0|a", errors: [ELSEWHERE("line 1")] },
    ]);
    expect(outcome.valid).toEqual([totp("auth0|b", 2)]);
    expect(outcome.summary).toMatchObject({ users: 2, valid: 1, rejected: 1, duplicated: 1 });
  });

  it("whose first block is itself invalid: that block keeps its own reasons too, and the user counts once", async () => {
    const outcome = await readAll(
      csvFile([totpRow("auth0|a", "NOT-BASE32!"), totpRow("auth0|b"), totpRow("auth0|a")]),
      CSV,
    );
    expect(outcome.rejected).toEqual([
      { line: 2, userId: "auth0|a", errors: [ELSEWHERE("line 4"), NOT_BASE32] },
      { line: 4, userId: "auth0|a", errors: [ELSEWHERE("line 2")] },
    ]);
    expect(outcome.valid).toEqual([totp("auth0|b", 3)]);
    expect(outcome.summary).toMatchObject({ users: 2, valid: 1, rejected: 1, duplicated: 1, methods: 1 });
  });

  it("is found however far apart its places are", async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => totpRow(`auth0|${i}`));
    const outcome = await readAll(csvFile([...rows, totpRow("auth0|7")]), CSV, {}, 4096);
    expect(outcome.rejected).toEqual([
      { line: 9, userId: "auth0|7", errors: [ELSEWHERE("line 5002")] },
      { line: 5002, userId: "auth0|7", errors: [ELSEWHERE("line 9")] },
    ]);
    expect(outcome.summary).toMatchObject({ users: 5_000, valid: 4_999, rejected: 1 });
  });
});

describe("the two passes", () => {
  it("finish pass 1 over the whole file, with its counts, before pass 2 opens it again", async () => {
    let opens = 0;
    const file = csvFile([totpRow("auth0|a"), totpRow("auth0|b"), totpRow("auth0|a")]);
    const reader = readUserFactors(
      () => {
        opens++;
        return Readable.from([Buffer.from(file)]);
      },
      CSV,
      { phoneWorkers: 0 },
    );
    const check = await reader.check();
    expect(opens).toBe(1);
    expect(check).toEqual({
      summary: { users: 2, valid: 1, rejected: 1, duplicated: 1, methods: 0, lines: 4, bytes: file.length },
    });
    const iterator = reader[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({
      kind: "rejected",
      user: { line: 2, userId: "auth0|a", errors: [ELSEWHERE("line 4")] },
    });
    expect(opens).toBe(2);
  });

  it("send a user valid in pass 1 with exactly the methods the full validation gives", async () => {
    // Formatted numbers, one the library rewrites (+44 (0) ...), national numbers, spaced secrets, names.
    const file = csvFile([
      ...Array.from({ length: 300 }, (_, i) =>
        [
          csvRow({
            user_id: `auth0|${i}`,
            type: "TOTP",
            totp_secret: "jbsw y3dp ehpk 3pxp==",
            name: " App ",
          }),
          csvRow({
            user_id: `auth0|${i}`,
            type: "phone",
            phone_number: [
              "+1 (415) 555-2671",
              "+44 (0) 20 7946 0000",
              "020 7946 0001",
              FIXTURE_PHONES.de,
              "+44.7911.123.456",
            ][i % 5],
            preferred_authentication_method: i % 2 === 0 ? "Voice" : "",
            name: i % 3 === 0 ? "Work phone" : "",
          }),
        ].join("\n"),
      ),
      csvRow({ user_id: "auth0|mail", type: "email", email: "ann@example.com", name: "Mail" }),
    ]);
    const options: ReadOptions = { defaultCountry: "GB" };
    const outcome = await readAll(file, CSV, options, 1000);
    expect(outcome.rejected).toEqual([]);
    expect(outcome.valid).toHaveLength(301);
    const expected = await validateEachDraft(file, CSV, options);
    expect(JSON.stringify(outcome.valid)).toBe(JSON.stringify(expected));
    expect(outcome.valid).toStrictEqual(expected);
    expect(outcome.valid[1]?.methods[1]).toEqual({ type: "phone", phone_number: "+442079460000" });
  });

  it("agree on JSONL values that need trimming, with phone numbers on the thread or in a worker", async () => {
    const file = jsonlFile(
      Array.from({ length: 200 }, (_, i) =>
        jsonlLine(`auth0|${i}`, [
          {
            type: " Phone ",
            phone_number: i % 2 ? " +1 415 555 2671 " : "07911 123456",
            preferred_authentication_method: " SMS",
            name: " Mobile",
          },
          ...(i % 4 === 0 ? [{ type: "totp", totp_secret: "jbsw y3dp", name: null }] : []),
          ...(i % 8 === 1 ? [{ type: "email", email: " x@example.com " }] : []),
        ]),
      ),
    );
    const options: ReadOptions = { defaultCountry: "GB" };
    const inline = await readAll(file, JSONL, options, 512);
    const workers = await readAll(file, JSONL, { ...options, phoneWorkers: 1 }, 512);
    const expected = await validateEachDraft(file, JSONL, options);
    expect(expected).toHaveLength(175);
    expect(inline.valid).toStrictEqual(expected);
    expect(workers.valid).toStrictEqual(expected);
    expect(inline.valid[0]?.methods).toEqual([
      {
        type: "phone",
        phone_number: "+447911123456",
        preferred_authentication_method: "sms",
        name: "Mobile",
      },
      { type: "totp", totp_secret: "JBSWY3DP" },
    ]);
  });

  it("send nothing valid past a corrupt gzip: pass 1 returns the error, pass 2 yields the users before it and throws it", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => totpRow(`auth0|${i}`));
    const compressed = gzip(csvFile(rows));
    const outcome = await readAll(compressed.subarray(0, compressed.length - 40), CSV_GZ, {}, 512);
    expect(outcome.check?.fileError).toBeInstanceOf(CorruptInputError);
    expect(outcome.error).toBe(outcome.check?.fileError);
    const stopped = (outcome.error as CorruptInputError).lastLine;
    expect(stopped).toBeGreaterThan(1);
    expect(outcome.valid.map((user) => user.line)).toEqual(
      Array.from({ length: stopped - 1 }, (_, i) => i + 2),
    );
    expect(outcome.check?.summary).toMatchObject({ users: stopped - 1, valid: stopped - 1, rejected: 0 });
  });

  it("throw InputChangedError when the second reading differs from the first", async () => {
    const files = [
      csvFile([totpRow("auth0|a"), totpRow("auth0|b")]),
      csvFile([totpRow("auth0|a"), totpRow("auth0|z")]),
    ];
    let opens = 0;
    const reader = readUserFactors(() => Readable.from([Buffer.from(files[opens++] as string)]), CSV, {
      phoneWorkers: 0,
    });
    const seen: string[] = [];
    await expect(async () => {
      for await (const read of reader) seen.push(read.user.userId);
    }).rejects.toThrow(InputChangedError);
    expect(seen).toEqual(["auth0|a"]);
  });
});

describe("the phone check", () => {
  const file = csvFile([csvRow({ user_id: "auth0|new", type: "phone", phone_number: "+1 555 555 1234" })]);

  it("strict (the default) rejects a number outside the bundled plan, saying how to accept it", async () => {
    const outcome = await readAll(file, CSV);
    expect(outcome.rejected).toEqual<RejectedUser[]>([
      {
        line: 2,
        userId: "auth0|new",
        errors: [
          "phone_number '+1 555 555 1234' is not a valid phone number (no such number in its country's plan; if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
        ],
      },
    ]);
  });

  it("e164 accepts it, by Auth0's rule only, in one thread or with workers", async () => {
    for (const phoneWorkers of [0, 1]) {
      const outcome = await readAll(file, CSV, { phoneCheck: "e164", phoneWorkers });
      expect(outcome.rejected).toEqual([]);
      expect(outcome.valid).toEqual([
        { userId: "auth0|new", line: 2, methods: [{ type: "phone", phone_number: "+15555551234" }] },
      ]);
    }
  });
});

/** The full validation of every place, as one pass would give it (no shortcut), for the valid users. */
async function validateEachDraft(
  content: string,
  kind: FileKind,
  options: ReadOptions,
): Promise<UserFactors[]> {
  const validate = createUserValidator({ format: kind.format, ...options });
  const valid: UserFactors[] = [];
  for await (const batch of readDraftBatches(Readable.from([Buffer.from(content)]), kind, {
    maxRecordBytes: 1 << 20,
  })) {
    for (const draft of batch.drafts as UserDraft[]) {
      const result = validate(draft);
      if (result.kind === "valid") valid.push(result.user);
    }
  }
  return valid;
}
