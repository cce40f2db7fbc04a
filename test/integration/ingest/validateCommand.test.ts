import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { csvFile, csvRow, FIXTURE_TOTP_SECRET, gzip } from "../../helpers/ingestFiles.js";

const run = promisify(execFile);
const FIXTURES = "test/fixtures/ingest";
const scratch = mkdtempSync(join(tmpdir(), "factor-sync-validate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `validate` as a user would, from the repository root: stdout, stderr and the exit code. */
async function validate(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", "validate", ...args],
      {
        cwd: process.cwd(),
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe("factor-sync validate", () => {
  it("exits 0 and counts users and methods when every user is valid", async () => {
    const result = await validate(`${FIXTURES}/valid.csv`, "--json");
    expect(result).toEqual({ stdout: '{"users":2,"methods":3,"rejected":[]}\n', stderr: "", code: 0 });
  });

  it("exits 1 and lists every rejection, never the TOTP secret", async () => {
    const result = await validate(`${FIXTURES}/some-rejected.csv`, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      users: 3,
      methods: 1,
      rejected: [
        {
          line: 3,
          userId: "auth0|42",
          errors: ["phone_number '555-1234' is not E.164 (add the country code, or set --default-country)"],
        },
        {
          line: 4,
          userId: "auth0|carol",
          errors: [
            "totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)",
          ],
        },
      ],
    });
    expect(result.stdout).not.toContain("JBSWY3DPEHPK3PX1");
  });

  it("prints one line per reason, a count line, then a count per reason, as text", async () => {
    const result = await validate(`${FIXTURES}/some-rejected.csv`);
    expect(result).toEqual({
      stdout: [
        "line 3: user auth0|42: phone_number '555-1234' is not E.164 (add the country code, or set --default-country)",
        "line 4: user auth0|carol: totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)",
        "3 users: 1 valid (1 method), 2 rejected",
        "Rejected users by reason:",
        "  1  phone_number '…' is not E.164 (add the country code, or set --default-country)",
        "  1  totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '…' padding)",
        "",
      ].join("\n"),
      stderr: "",
      code: 1,
    });
  });

  it("uses --default-country for national numbers and reads JSONL", async () => {
    const dir = mkdtempSync(join(scratch, "case-"));
    const file = join(dir, "users.csv.gz");
    writeFileSync(
      file,
      gzip(csvFile([csvRow({ user_id: "auth0|1", type: "phone", phone_number: "07911 123456" })])),
    );
    expect(await validate(file, "--json", "--default-country", "gb")).toEqual({
      stdout: '{"users":1,"methods":1,"rejected":[]}\n',
      stderr: "",
      code: 0,
    });
    expect((await validate(`${FIXTURES}/valid.jsonl`, "--json")).stdout).toBe(
      '{"users":2,"methods":3,"rejected":[]}\n',
    );
  });

  it("accepts an empty method set only with --allow-clear", async () => {
    const dir = mkdtempSync(join(scratch, "case-"));
    const file = join(dir, "clear.jsonl");
    writeFileSync(file, '{"user_id":"auth0|1","authentication_methods":[]}\n');
    expect((await validate(file, "--json")).code).toBe(1);
    expect(await validate(file, "--json", "--allow-clear")).toEqual({
      stdout: '{"users":1,"methods":0,"rejected":[]}\n',
      stderr: "",
      code: 0,
    });
  });

  it("exits 2 with a one-line message on a file-level error, and with --json also prints it as JSON", async () => {
    const file = `${FIXTURES}/unknown-column.csv`;
    const message = `'${file}': line 1: unknown column 'phone' in the header (known columns: user_id, type, phone_number, preferred_authentication_method, email, totp_secret, name)`;
    const text = await validate(file);
    expect(text).toEqual({ stdout: "", stderr: `error: ${message}\n`, code: 2 });
    const json = await validate(file, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: message,
      file,
      line: 1,
      users: 0,
      methods: 0,
      rejected: [],
    });
  });

  it.each([
    [["users.txt"], "error: cannot read 'users.txt': no such file (looked for REPO/users.txt)\n"],
    [["missing.csv"], "error: cannot read 'missing.csv': no such file (looked for REPO/missing.csv)\n"],
    [
      ["package.json"],
      "error: unsupported file name 'package.json': expected a name ending in .csv or .jsonl, optionally followed by .gz\n",
    ],
    [
      [`${FIXTURES}/valid.csv`, "--default-country", "XX"],
      "error: --default-country: 'XX' is not a supported ISO 3166-1 alpha-2 country code (e.g. US, GB, DE)\n",
    ],
  ])("exits 2 with one line and no stack trace for %j", async (args, stderr) => {
    expect(await validate(...args)).toEqual({
      stdout: "",
      stderr: stderr.replace("REPO", process.cwd()),
      code: 2,
    });
  });

  it("exits 2 on a truncated gzip file after listing what it read", async () => {
    const dir = mkdtempSync(join(scratch, "case-"));
    const file = join(dir, "cut.csv.gz");
    const rows = Array.from({ length: 2000 }, (_, i) =>
      csvRow({ user_id: `auth0|${i}`, type: "totp", totp_secret: FIXTURE_TOTP_SECRET }),
    );
    const compressed = gzip(csvFile(rows));
    writeFileSync(file, compressed.subarray(0, compressed.length - 30));
    const result = await validate(file);
    expect(result.code).toBe(2);
    expect(result.stderr.replace(file, "FILE")).toMatch(
      /^error: 'FILE': the gzip data is corrupt or truncated: reading stopped after line \d+; the rest of the file was not read\n$/,
    );
    expect(result.stdout).toBe(""); // every user read was valid: no rejection to list
  });

  it("rejects a user split over two blocks on both lines and counts it once (3 users)", async () => {
    const result = await validate(`${FIXTURES}/split-user.csv`, "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      users: 3,
      methods: 2,
      rejected: [
        {
          line: 2,
          userId: "auth0|a",
          errors: [
            "the same user_id is also on line 4: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent",
          ],
        },
        {
          line: 4,
          userId: "auth0|a",
          errors: [
            "the same user_id is also on line 2: a user's methods must all be in one place (contiguous CSV rows, or one JSONL line), so no part of this user is sent",
          ],
        },
      ],
    });
    expect((await validate(`${FIXTURES}/split-user.csv`)).stdout.split("\n")).toContain(
      "3 users: 2 valid (2 methods), 1 rejected",
    );
  });

  it("says when the rejected users are more than --max-rejected allows", async () => {
    const json = await validate(`${FIXTURES}/some-rejected.csv`, "--json", "--max-rejected", "50%");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).tooManyRejected).toEqual({
      maxRejected: "50%",
      limit: 1,
      rejected: 2,
      users: 3,
      message:
        "2 of 3 users rejected, more than max-rejected 50% allows (1 of 3): nothing of the file is sent",
    });
    const text = await validate(`${FIXTURES}/some-rejected.csv`, "--max-rejected", "2");
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain("max-rejected");
    const over = await validate(`${FIXTURES}/some-rejected.csv`, "--max-rejected", "1");
    expect(over.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "3 users: 1 valid (1 method), 2 rejected",
        "2 of 3 users rejected, more than max-rejected 1 allows (1): nothing of the file is sent",
      ]),
    );
  });

  it("accepts a number outside the bundled plan with --phone-check e164, and refuses another mode", async () => {
    const dir = mkdtempSync(join(scratch, "case-"));
    const file = join(dir, "new-range.csv");
    writeFileSync(
      file,
      csvFile([csvRow({ user_id: "auth0|1", type: "phone", phone_number: "+1 555 555 1234" })]),
    );
    expect((await validate(file, "--json")).code).toBe(1);
    expect(await validate(file, "--json", "--phone-check", "e164")).toEqual({
      stdout: '{"users":1,"methods":1,"rejected":[]}\n',
      stderr: "",
      code: 0,
    });
    expect(await validate(file, "--phone-check", "loose")).toEqual({
      stdout: "",
      stderr:
        "error: --phone-check: 'loose' is not a phone check: expected strict (a valid number in its country's plan) or e164\n",
      code: 2,
    });
  });
});
