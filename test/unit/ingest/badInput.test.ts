import { describe, expect, it } from "vitest";
import type { RejectedUser, UserFactors } from "../../../lib/factors/types.js";
import {
  CorruptInputError,
  EmptyFileError,
  type InputFileError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
} from "../../../lib/ingest/errors.js";
import type { FileKind, ReadOptions } from "../../../lib/ingest/types.js";
import {
  CSV,
  CSV_GZ,
  CSV_HEADER,
  csvFile,
  csvRow,
  FIXTURE_PHONES,
  FIXTURE_TOTP_SECRET,
  gzip,
  JSONL,
  JSONL_GZ,
  jsonlFile,
  jsonlLine,
  readAll,
} from "../../helpers/ingestFiles.js";

/** One bad (or awkward) input and exactly what reading it must give. */
interface BadInputCase {
  name: string;
  kind: FileKind;
  content: string | Buffer;
  options?: ReadOptions;
  valid: UserFactors[];
  rejected: RejectedUser[];
  /** The file-level error thrown after the users above, if any. */
  error?: { type: new (...args: never[]) => InputFileError; line?: number; message?: string };
  /** Secrets in the file that no message may contain (the fixture secret is always checked). */
  secrets?: string[];
}

const SECRET = FIXTURE_TOTP_SECRET;
const totp = (userId: string, line: number, secret = SECRET): UserFactors => ({
  userId,
  line,
  methods: [{ type: "totp", totp_secret: secret }],
});
const totpRow = (userId: string, secret = SECRET) =>
  csvRow({ user_id: userId, type: "totp", totp_secret: secret });
const totpLine = (userId: string, secret = SECRET) =>
  jsonlLine(userId, [{ type: "totp", totp_secret: secret }]);
const EMPTY_SET =
  "the method set is empty, which would delete all of the user's factors (allow it with --allow-clear or the object metadata allow-clear: true)";
const NOT_E164 = (value: string) =>
  `phone_number '${value}' is not E.164 (add the country code, or set --default-country)`;
const REPEATED = (where: string) =>
  `the same user_id is also on ${where}: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent`;
const NOT_BASE32 =
  "totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)";
const STOPPED = (line: number) => `: reading stopped after line ${line}; the rest of the file was not read`;
const longName = "n".repeat(999_000);

const cases: BadInputCase[] = [
  {
    name: "a UTF-8 byte-order mark before the header is ignored",
    kind: CSV,
    content: `\uFEFF${csvFile([totpRow("auth0|1")])}`,
    valid: [totp("auth0|1", 2)],
    rejected: [],
  },
  {
    name: "CRLF line endings read like LF",
    kind: CSV,
    content: csvFile([totpRow("auth0|1"), totpRow("auth0|2")], { eol: "\r\n" }),
    valid: [totp("auth0|1", 2), totp("auth0|2", 3)],
    rejected: [],
  },
  {
    name: "a quoted cell may hold commas",
    kind: CSV,
    content: csvFile([`auth0|1,totp,,,,${SECRET},"Work, laptop"`]),
    valid: [
      { userId: "auth0|1", line: 2, methods: [{ type: "totp", totp_secret: SECRET, name: "Work, laptop" }] },
    ],
    rejected: [],
  },
  {
    name: "a quoted cell may span lines, and later users keep their physical line numbers (CRLF too)",
    kind: CSV,
    content: csvFile([`auth0|1,totp,,,,${SECRET},"two\r\nlines"`, totpRow("auth0|2")], { eol: "\r\n" }),
    valid: [
      { userId: "auth0|1", line: 2, methods: [{ type: "totp", totp_secret: SECRET, name: "two\r\nlines" }] },
      totp("auth0|2", 4),
    ],
    rejected: [],
  },
  {
    name: "header names are trimmed, case-insensitive and in any order",
    kind: CSV,
    content: csvFile([`${SECRET},auth0|1,TOTP`], { header: " TOTP_Secret , User_ID,Type " }),
    valid: [totp("auth0|1", 2)],
    rejected: [],
  },
  {
    name: "an unknown column stops the file before any user",
    kind: CSV,
    content: csvFile([totpRow("auth0|1")], { header: `${CSV_HEADER},phone` }),
    valid: [],
    rejected: [],
    error: { type: UnknownColumnError, line: 1 },
  },
  {
    name: "a stray quote in the header that swallows data rows is reported without quoting them",
    kind: CSV,
    // The quote opened in the header closes at the end of the first data row: the header's last cell holds it.
    content: `user_id,type,totp_secret,"name\nauth0|1,totp,${SECRET},Work"\nauth0|2,totp,${SECRET},Home\n`,
    valid: [],
    rejected: [],
    error: {
      type: UnknownColumnError,
      line: 1,
      message:
        "line 1: column 4 of the header runs over several lines: a quote in the header is not closed where it should be (fix the header's quoting)",
    },
  },
  {
    name: "a header without user_id stops the file",
    kind: CSV,
    content: csvFile([`totp,${SECRET}`], { header: "type,totp_secret" }),
    valid: [],
    rejected: [],
    error: { type: MissingColumnError, line: 1 },
  },
  {
    name: "a first row that is data, not a header, stops the file without quoting it",
    kind: CSV,
    content: `auth0|1,totp,${SECRET}\n`,
    valid: [],
    rejected: [],
    error: { type: MissingHeaderError, line: 1 },
  },
  {
    name: "a header with no rows is a valid, empty file",
    kind: CSV,
    content: `${CSV_HEADER}\n`,
    valid: [],
    rejected: [],
  },
  {
    name: "an empty CSV file is a file-level error",
    kind: CSV,
    content: "",
    valid: [],
    rejected: [],
    error: { type: EmptyFileError },
  },
  {
    name: "a JSONL file of blank lines is empty",
    kind: JSONL,
    content: "\n  \n\n",
    valid: [],
    rejected: [],
    error: { type: EmptyFileError },
  },
  {
    name: "blank lines are skipped but counted (CSV)",
    kind: CSV,
    content: `\n${CSV_HEADER}\n\n${totpRow("auth0|1")}\n   \n,,,,,,\n${totpRow("auth0|2")}\n`,
    valid: [totp("auth0|1", 4), totp("auth0|2", 7)],
    rejected: [],
  },
  {
    name: "blank lines are skipped but counted (JSONL)",
    kind: JSONL,
    content: `\n${totpLine("auth0|1")}\n\n\n${totpLine("auth0|2")}\n`,
    valid: [totp("auth0|1", 2), totp("auth0|2", 5)],
    rejected: [],
  },
  {
    name: "a user again after another user (CSV) is rejected in both places, each naming the other",
    kind: CSV,
    content: csvFile([totpRow("auth0|1"), totpRow("auth0|2"), totpRow("auth0|1")]),
    valid: [totp("auth0|2", 3)],
    rejected: [
      { line: 2, userId: "auth0|1", errors: [REPEATED("line 4")] },
      { line: 4, userId: "auth0|1", errors: [REPEATED("line 2")] },
    ],
  },
  {
    name: "a user on two JSONL lines: both lines are rejected",
    kind: JSONL,
    content: jsonlFile([totpLine("auth0|1"), totpLine("auth0|1")]),
    valid: [],
    rejected: [
      { line: 1, userId: "auth0|1", errors: [REPEATED("line 2")] },
      { line: 2, userId: "auth0|1", errors: [REPEATED("line 1")] },
    ],
  },
  {
    name: "email combined with another factor rejects the user",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "email", email: "a@example.com" }),
      totpRow("auth0|1"),
    ]),
    valid: [],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [
          "email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)",
        ],
      },
    ],
  },
  {
    name: "a field of another type (email on a phone row) is an error",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: FIXTURE_PHONES.us, email: "a@b.c" }),
    ]),
    valid: [],
    rejected: [{ line: 2, userId: "auth0|1", errors: ["email does not belong to a phone method"] }],
  },
  {
    name: "preferred_authentication_method on a totp row is an error",
    kind: CSV,
    content: csvFile([
      csvRow({
        user_id: "auth0|1",
        type: "totp",
        totp_secret: SECRET,
        preferred_authentication_method: "sms",
      }),
    ]),
    valid: [],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: ["preferred_authentication_method does not belong to a totp method"],
      },
    ],
  },
  {
    name: "a name of 21 characters is too long; 20 characters of emoji are counted as 20",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "totp", totp_secret: SECRET, name: "a".repeat(21) }),
      csvRow({ user_id: "auth0|2", type: "totp", totp_secret: SECRET, name: "🔑".repeat(20) }),
    ]),
    valid: [
      { userId: "auth0|2", line: 3, methods: [{ type: "totp", totp_secret: SECRET, name: "🔑".repeat(20) }] },
    ],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: ["name 'aaaaaaaaaaaaaaaaaaaaa' is 21 characters long, at most 20 are allowed"],
      },
    ],
  },
  {
    name: "lowercase, spaced and padded TOTP secrets are normalised",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1", SECRET.toLowerCase()),
      totpRow("auth0|2", "JBSW Y3DP EHPK 3PXP"),
      totpRow("auth0|3", "JBSWY3DPEHPK3PXP===="),
    ]),
    valid: [totp("auth0|1", 2), totp("auth0|2", 3), totp("auth0|3", 4)],
    rejected: [],
  },
  {
    name: "a secret that is not base32 is rejected without being quoted",
    kind: CSV,
    content: csvFile([totpRow("auth0|1", "JBSWY3DPEHPK3PX1"), totpRow("auth0|2", "JBSW-Y3DP-8888")]),
    valid: [],
    rejected: [
      { line: 2, userId: "auth0|1", errors: [NOT_BASE32] },
      { line: 3, userId: "auth0|2", errors: [NOT_BASE32] },
    ],
    secrets: ["JBSWY3DPEHPK3PX1", "JBSW-Y3DP-8888", "Y3DP"],
  },
  {
    name: "a national phone number without a default country is rejected, quoting it",
    kind: CSV,
    content: csvFile([csvRow({ user_id: "auth0|42", type: "phone", phone_number: "555-1234" })]),
    valid: [],
    rejected: [{ line: 2, userId: "auth0|42", errors: [NOT_E164("555-1234")] }],
  },
  {
    name: "a national phone number with a default country becomes E.164",
    kind: CSV,
    content: csvFile([
      csvRow({
        user_id: "auth0|1",
        type: "phone",
        phone_number: "(415) 555-2671",
        preferred_authentication_method: "Voice",
      }),
    ]),
    options: { defaultCountry: "US" },
    valid: [
      {
        userId: "auth0|1",
        line: 2,
        methods: [
          { type: "phone", phone_number: FIXTURE_PHONES.us, preferred_authentication_method: "voice" },
        ],
      },
    ],
    rejected: [],
  },
  {
    name: "a phone number that is too long, or not a number of its country, is rejected",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: "+1 415 555 2671 00000" }),
      csvRow({ user_id: "auth0|2", type: "phone", phone_number: "+1 555 555 1234" }),
    ]),
    valid: [],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: ["phone_number '+1 415 555 2671 00000' is not E.164: it has 16 digits, E.164 allows 8 to 15"],
      },
      {
        line: 3,
        userId: "auth0|2",
        errors: [
          "phone_number '+1 555 555 1234' is not a valid phone number (no such number in its country's plan; if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
        ],
      },
    ],
  },
  {
    name: "a bad JSON line rejects that user (named when its id can be found), not the file",
    kind: JSONL,
    content: jsonlFile([
      `{"user_id": "auth0|1", "authentication_methods": [{"type": "totp", "totp_secret": "${SECRET}"`,
      totpLine("auth0|2"),
    ]),
    valid: [totp("auth0|2", 2)],
    rejected: [{ line: 1, userId: "auth0|1", errors: ["the line is not valid JSON"] }],
  },
  {
    name: "a JSON line that is an array is rejected",
    kind: JSONL,
    content: jsonlFile([JSON.stringify([{ user_id: "auth0|1" }]), totpLine("auth0|2")]),
    valid: [totp("auth0|2", 2)],
    rejected: [{ line: 1, userId: "auth0|1", errors: ["the line is a JSON array, not a JSON object"] }],
  },
  {
    name: "a JSONL user with an unknown field, no user_id, or methods that are not an array",
    kind: JSONL,
    content: jsonlFile([
      JSON.stringify({ user_id: "auth0|1", authentication_methods: [], note: "x" }),
      JSON.stringify({ authentication_methods: [{ type: "totp", totp_secret: SECRET }] }),
      JSON.stringify({ user_id: "auth0|3", authentication_methods: { type: "totp" } }),
    ]),
    valid: [],
    rejected: [
      { line: 1, userId: "auth0|1", errors: ['unknown field "note"'] },
      { line: 2, userId: "", errors: ["user_id is missing"] },
      { line: 3, userId: "auth0|3", errors: ["authentication_methods must be an array"] },
    ],
  },
  {
    name: "invalid UTF-8 in a CSV row rejects its user only",
    kind: CSV,
    content: Buffer.concat([
      Buffer.from(`${CSV_HEADER}\nauth0|1,totp,,,,${SECRET},Caf`),
      Buffer.from([0xe9]),
      Buffer.from(`\n${totpRow("auth0|2")}\n`),
    ]),
    valid: [totp("auth0|2", 3)],
    rejected: [{ line: 2, userId: "auth0|1", errors: ["the row is not valid UTF-8"] }],
  },
  {
    name: "invalid UTF-8 in a JSONL line rejects its user only",
    kind: JSONL,
    content: Buffer.concat([
      Buffer.from(
        `{"user_id":"auth0|1","authentication_methods":[{"type":"totp","totp_secret":"${SECRET}","name":"Caf`,
      ),
      Buffer.from([0xe9]),
      Buffer.from(`"}]}\n${totpLine("auth0|2")}\n`),
    ]),
    valid: [totp("auth0|2", 2)],
    rejected: [{ line: 1, userId: "auth0|1", errors: ["the line is not valid UTF-8"] }],
  },
  {
    name: "a 1 MB JSONL line is read whole (and its 999,000-character name rejected)",
    kind: JSONL,
    content: jsonlFile([
      jsonlLine("auth0|1", [{ type: "totp", totp_secret: SECRET, name: longName }]),
      totpLine("auth0|2"),
    ]),
    valid: [totp("auth0|2", 2)],
    rejected: [
      {
        line: 1,
        userId: "auth0|1",
        errors: [`name '${"n".repeat(40)}…' is 999000 characters long, at most 20 are allowed`],
      },
    ],
  },
  {
    name: "a 1 MB CSV row is read whole (and its 999,000-character name rejected)",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "totp", totp_secret: SECRET, name: longName }),
      totpRow("auth0|2"),
    ]),
    valid: [totp("auth0|2", 3)],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [`name '${"n".repeat(40)}…' is 999000 characters long, at most 20 are allowed`],
      },
    ],
  },
  {
    name: "a JSONL line over the size limit rejects its user without being held in memory",
    kind: JSONL,
    content: jsonlFile([
      jsonlLine("auth0|1", [{ type: "totp", totp_secret: SECRET, name: "n".repeat(5000) }]),
      totpLine("auth0|2"),
    ]),
    options: { maxRecordBytes: 1024 },
    valid: [totp("auth0|2", 2)],
    rejected: [{ line: 1, userId: "auth0|1", errors: ["the line is longer than 1024 bytes"] }],
  },
  {
    name: "a gzip CSV file is read as a stream",
    kind: CSV_GZ,
    content: gzip(csvFile([totpRow("auth0|1"), totpRow("auth0|2")])),
    valid: [totp("auth0|1", 2), totp("auth0|2", 3)],
    rejected: [],
  },
  {
    name: "a gzip JSONL file is read as a stream",
    kind: JSONL_GZ,
    content: gzip(jsonlFile([totpLine("auth0|1")])),
    valid: [totp("auth0|1", 1)],
    rejected: [],
  },
  {
    name: "a truncated gzip file stops after the last user known to be complete, saying which line",
    kind: CSV_GZ,
    // Two gzip members, the second cut short: auth0|2 might have had more rows, so it is not yielded.
    content: Buffer.concat([
      gzip(csvFile([totpRow("auth0|1"), totpRow("auth0|2")])),
      gzip(`${totpRow("auth0|2")}\n${totpRow("auth0|3")}\n`).subarray(0, 25),
    ]),
    valid: [totp("auth0|1", 2)],
    rejected: [],
    error: { type: CorruptInputError, line: 2 },
  },
  {
    name: "a CSV row over the size limit (a runaway quote) stops the file: rows after it cannot be split",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      `auth0|2,totp,,,,${SECRET},"${"n".repeat(5000)}`,
      totpRow("auth0|3"),
    ]),
    options: { maxRecordBytes: 1024 },
    valid: [],
    rejected: [],
    error: { type: CorruptInputError, line: 1 },
  },
  {
    name: "a .gz name on data that is not gzip is a corrupt file",
    kind: CSV_GZ,
    content: csvFile([totpRow("auth0|1")]),
    valid: [],
    rejected: [],
    error: { type: CorruptInputError, line: 0 },
  },
  {
    name: "an empty method set is rejected without allow-clear (CSV row with only user_id, JSONL [])",
    kind: JSONL,
    content: jsonlFile([jsonlLine("auth0|1", []), totpLine("auth0|2")]),
    valid: [totp("auth0|2", 2)],
    rejected: [{ line: 1, userId: "auth0|1", errors: [EMPTY_SET] }],
  },
  {
    name: "an empty method set in CSV is rejected without allow-clear",
    kind: CSV,
    content: csvFile([csvRow({ user_id: "auth0|1" }), totpRow("auth0|2")]),
    valid: [totp("auth0|2", 3)],
    rejected: [{ line: 2, userId: "auth0|1", errors: [EMPTY_SET] }],
  },
  {
    name: "an empty method set is valid with allow-clear",
    kind: CSV,
    content: csvFile([csvRow({ user_id: "auth0|1" })]),
    options: { allowClear: true },
    valid: [{ userId: "auth0|1", line: 2, methods: [] }],
    rejected: [],
  },
  {
    name: "a user whose second method is invalid is rejected whole, the reason naming the row",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: "555-1234" }),
      totpRow("auth0|2"),
    ]),
    valid: [totp("auth0|2", 4)],
    rejected: [{ line: 2, userId: "auth0|1", errors: [`line 3: ${NOT_E164("555-1234")}`] }],
  },
  {
    name: "a JSONL user whose second method is invalid is rejected whole",
    kind: JSONL,
    content: jsonlFile([
      jsonlLine("auth0|1", [
        { type: "totp", totp_secret: SECRET },
        { type: "phone", phone_number: "555-1234" },
      ]),
    ]),
    valid: [],
    rejected: [
      { line: 1, userId: "auth0|1", errors: [`authentication_methods[1]: ${NOT_E164("555-1234")}`] },
    ],
  },
  {
    name: "a row with more or fewer cells than the header rejects its user",
    kind: CSV,
    content: csvFile([`auth0|1,totp,,,,${SECRET},,extra`, "auth0|2,totp", totpRow("auth0|3")]),
    valid: [totp("auth0|3", 4)],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [
          "the row has 8 cells but the header has 7 (a missing or extra delimiter, or an unquoted comma?)",
        ],
      },
      {
        line: 3,
        userId: "auth0|2",
        errors: [
          "the row has 2 cells but the header has 7 (a missing or extra delimiter, or an unquoted comma?)",
        ],
      },
    ],
  },
  {
    name: "a stray quote in an unquoted cell rejects that user only",
    kind: CSV,
    content: csvFile([`auth0|1,totp,,,,${SECRET},Bob"s`, totpRow("auth0|2")]),
    valid: [totp("auth0|2", 3)],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [
          "malformed CSV: a quote inside an unquoted cell (quote the whole cell and double the quote)",
        ],
      },
    ],
  },
  {
    name: "a quote never closed stops the file before its row, naming the line to fix; users before it stay valid",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      `auth0|2,totp,,,,${SECRET},"Bob`,
      totpRow("auth0|3"),
      totpRow("auth0|4"),
    ]),
    valid: [totp("auth0|1", 2)],
    rejected: [],
    error: {
      type: CorruptInputError,
      line: 2,
      message: `line 3: malformed CSV: a quoted cell is never closed, so every later line would be read as part of this row (fix the quoting on line 3)${STOPPED(2)}`,
    },
  },
  {
    name: "a closing quote followed by other characters stops the file instead of swallowing the 1,000 users after it",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|A"),
      `auth0|B,phone,"${FIXTURE_PHONES.us}"x,,,,`,
      ...Array.from({ length: 1000 }, (_, i) => totpRow(`auth0|C${i}`)),
    ]),
    valid: [totp("auth0|A", 2)],
    rejected: [],
    error: {
      type: CorruptInputError,
      line: 2,
      message: `line 3: malformed CSV: a closing quote is followed by other characters (double a quote inside a quoted cell), so every later line would be read as part of this row (fix the quoting on line 3)${STOPPED(2)}`,
    },
  },
  {
    name: "a broken row that may continue the user before it stops the file without sending that user",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      totpRow("auth0|2"),
      `auth0|2,phone,"${FIXTURE_PHONES.us},,,,`,
      totpRow("auth0|3"),
    ]),
    valid: [totp("auth0|1", 2)],
    rejected: [],
    error: {
      type: CorruptInputError,
      line: 2,
      message: `line 4: malformed CSV: a quoted cell is never closed, so every later line would be read as part of this row (fix the quoting on line 4)${STOPPED(2)}`,
    },
  },
  {
    name: "a broken row whose user_id cannot be read does not send the user before it (it may be the same)",
    kind: CSV,
    content: csvFile([totpRow("auth0|1"), `"auth0|2,phone,${FIXTURE_PHONES.us},,,,`, totpRow("auth0|3")]),
    valid: [],
    rejected: [],
    error: { type: CorruptInputError, line: 1 },
  },
  {
    name: "the same method twice in one user (after normalisation) is rejected",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: FIXTURE_PHONES.us }),
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: "+1 (415) 555-2671" }),
      totpRow("auth0|2"),
      totpRow("auth0|2", SECRET.toLowerCase()),
    ]),
    valid: [],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [`line 3: the same phone method ${FIXTURE_PHONES.us} as line 2`],
      },
      { line: 4, userId: "auth0|2", errors: ["line 5: the same totp method as line 4"] },
    ],
  },
  {
    name: "an unknown or missing type, and a missing required field, are errors",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "sms", phone_number: FIXTURE_PHONES.us }),
      csvRow({ user_id: "auth0|2", phone_number: FIXTURE_PHONES.us }),
      csvRow({ user_id: "auth0|3", type: "Phone", name: "Work" }),
    ]),
    valid: [],
    rejected: [
      { line: 2, userId: "auth0|1", errors: ["type 'sms' is not phone, email or totp"] },
      { line: 3, userId: "auth0|2", errors: ["type is missing (phone, email or totp)"] },
      { line: 4, userId: "auth0|3", errors: ["phone_number is required for a phone method"] },
    ],
  },
  {
    name: "a row without user_id is rejected on its own",
    kind: CSV,
    content: csvFile([totpRow(""), totpRow("auth0|2")]),
    valid: [totp("auth0|2", 3)],
    rejected: [{ line: 2, userId: "", errors: ["user_id is empty"] }],
  },
  {
    name: "a row without user_id inside a user rejects that whole user instead of ending it",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      csvRow({ type: "phone", phone_number: FIXTURE_PHONES.us }),
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: FIXTURE_PHONES.gb }),
      totpRow("auth0|2"),
    ]),
    valid: [totp("auth0|2", 5)],
    rejected: [
      { line: 2, userId: "auth0|1", errors: ["line 3: user_id is empty (every row needs the user's id)"] },
    ],
  },
  {
    name: "a row without user_id after a user's rows rejects that user; the next user is read as usual",
    kind: CSV,
    content: csvFile([
      totpRow("auth0|1"),
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: FIXTURE_PHONES.gb }),
      csvRow({ type: "phone", phone_number: FIXTURE_PHONES.us }),
      totpRow("auth0|2"),
    ]),
    valid: [totp("auth0|2", 5)],
    rejected: [
      { line: 2, userId: "auth0|1", errors: ["line 4: user_id is empty (every row needs the user's id)"] },
    ],
  },
  {
    name: "a one-line malformed row whose user_id cannot be read rejects the user before it",
    kind: CSV,
    content: csvFile([totpRow("auth0|1"), `auth"0|1,phone,${FIXTURE_PHONES.us},,,,`, totpRow("auth0|2")]),
    valid: [totp("auth0|2", 4)],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [
          "line 3: user_id could not be read",
          "line 3: malformed CSV: a quote inside an unquoted cell (quote the whole cell and double the quote)",
        ],
      },
    ],
  },
  {
    name: "an email that is not an address, and a bad preferred_authentication_method, are errors",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "email", email: "not-an-address" }),
      csvRow({
        user_id: "auth0|2",
        type: "phone",
        phone_number: FIXTURE_PHONES.de,
        preferred_authentication_method: "fax",
      }),
    ]),
    valid: [],
    rejected: [
      { line: 2, userId: "auth0|1", errors: ["email 'not-an-address' is not an email address"] },
      { line: 3, userId: "auth0|2", errors: ["preferred_authentication_method 'fax' is not sms or voice"] },
    ],
  },
  {
    name: "every error of a user is reported, each naming its row",
    kind: CSV,
    content: csvFile([
      csvRow({ user_id: "auth0|1", type: "totp", totp_secret: "not base32!", name: "x".repeat(25) }),
      csvRow({ user_id: "auth0|1", type: "email", email: "a@b.c", phone_number: "555" }),
    ]),
    valid: [],
    rejected: [
      {
        line: 2,
        userId: "auth0|1",
        errors: [
          `line 2: ${NOT_BASE32}`,
          "line 2: name 'xxxxxxxxxxxxxxxxxxxxxxxxx' is 25 characters long, at most 20 are allowed",
          "line 3: phone_number does not belong to an email method",
          "email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)",
        ],
      },
    ],
    secrets: ["not base32!"],
  },
];

describe("bad input", () => {
  it.each(cases)("$name", async (testCase) => {
    const outcome = await readAll(testCase.content, testCase.kind, testCase.options);
    expect({ valid: outcome.valid, rejected: outcome.rejected }).toEqual({
      valid: testCase.valid,
      rejected: testCase.rejected,
    });
    if (testCase.error === undefined) {
      expect(outcome.error).toBeUndefined();
    } else {
      expect(outcome.error).toBeInstanceOf(testCase.error.type);
      expect((outcome.error as InputFileError).line).toBe(testCase.error.line);
      if (testCase.error.message !== undefined) expect(outcome.error?.message).toBe(testCase.error.message);
    }
    const reported = JSON.stringify([outcome.rejected, outcome.error?.message ?? ""]);
    for (const secret of [SECRET, ...(testCase.secrets ?? [])]) expect(reported).not.toContain(secret);
  });

  it.each([1, 3, 17])("gives the same outcome whatever the chunk size (%i bytes)", async (chunkSize) => {
    const content = csvFile([
      `auth0|1,totp,,,,${SECRET},"two\nlines, é"`,
      csvRow({ user_id: "auth0|1", type: "phone", phone_number: FIXTURE_PHONES.gb, name: "Ünïcödé 🔑" }),
      totpRow("auth0|2", "jbsw y3dp"),
    ]);
    const whole = await readAll(content, CSV);
    const split = await readAll(content, CSV, {}, chunkSize);
    expect(split.valid).toEqual(whole.valid);
    expect(whole.valid).toEqual([
      {
        userId: "auth0|1",
        line: 2,
        methods: [
          { type: "totp", totp_secret: SECRET, name: "two\nlines, é" },
          { type: "phone", phone_number: FIXTURE_PHONES.gb, name: "Ünïcödé 🔑" },
        ],
      },
      totp("auth0|2", 5, "JBSWY3DP"),
    ]);
  });
});
