import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { REPO_ROOT, runCli, startCli, tenantEnvOf } from "../../helpers/cli.js";

const VERSION = (JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string })
  .version;

describe("the factor-sync command, as a child process", () => {
  let dir: string;
  let tenant: Auth0Simulator;
  let tenantEnv: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cli-program-"));
    tenant = await startAuth0Simulator({ rps: 100, burst: 100 });
    tenantEnv = tenantEnvOf(tenant);
  });
  afterAll(async () => {
    await tenant.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("prints help, with examples and exit codes, and sends nothing when called bare, even with AUTH0_* set", async () => {
    const result = await runCli([], tenantEnv, dir);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Usage: factor-sync \[options\] \[command\]\n/);
    expect(result.stdout).toContain("\nExamples:\n  $ factor-sync demo ");
    expect(result.stdout).toContain(
      "\nExit codes:\n  0    done\n  1    some users were rejected or failed (see the reports)\n  2    usage, file or target error (bad option or file, tenant refused)\n  130  interrupted (Ctrl-C)\n",
    );
    expect(tenant.stats.requests).toBe(0);
  });

  it("prints the version of package.json on --version", async () => {
    expect(await runCli(["--version"], {}, dir)).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it.each([
    [["frobnicate"], ["error: unknown command 'frobnicate'", "(run 'factor-sync --help' for the commands)"]],
    [["completion"], ["error: unknown command 'completion'", "(run 'factor-sync --help' for the commands)"]],
    [
      ["valdate", "users.csv"],
      [
        "error: unknown command 'valdate'",
        "(Did you mean validate?)",
        "(run 'factor-sync --help' for the commands)",
      ],
    ],
  ])(
    "exits 2 for the unknown command %j, with a suggestion, and never takes it for a file",
    async (args, lines) => {
      expect(await runCli(args, tenantEnv, dir)).toEqual({
        code: 2,
        stdout: "",
        stderr: `${lines.join("\n")}\n`,
      });
      expect(tenant.stats.requests).toBe(0);
    },
  );

  it.each([
    [["validate", "x.csv", "--frobnicate"], "unknown option '--frobnicate'", "validate"],
    [["validate"], "missing required argument 'file'", "validate"],
    [
      ["validate", "x.csv", "--default-country"],
      "option '--default-country <CC>' argument missing",
      "validate",
    ],
    [["run", "x.csv", "--frobnicate"], "unknown option '--frobnicate'", "run"],
    [
      ["run", "x.csv", "--rps", "fast"],
      "option '--rps <n>' argument 'fast' is invalid. expected a number above 0.",
      "run",
    ],
    [
      ["demo", "--rps", "-1"],
      "option '--rps <n>' argument '-1' is invalid. expected a number above 0.",
      "demo",
    ],
  ])(
    "exits 2 on the usage error %j; with --json, stdout is one JSON error object",
    async (args, message, command) => {
      const text = await runCli(args, {}, dir);
      expect(text).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: ${message}\n(run 'factor-sync ${command} --help' for usage)\n`,
      });

      // --json first: after an option that wants a value, it would be that value.
      const json = await runCli([args[0] ?? "", "--json", ...args.slice(1)], {}, dir);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({ error: message });
    },
  );

  it.each(["run", "validate", "demo", "auth0-sim", "dlq-export", "dlq-redrive"])(
    "shows examples and the exit codes in the help of %s, within 80 columns and with no raw default",
    async (command) => {
      const result = await runCli([command, "--help"], {}, dir);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`\nExamples:\n  $ `);
      expect(result.stdout).toContain("\nExit codes:\n  0    done\n");
      expect(result.stdout).not.toMatch(/\(default: \[/);
      for (const line of result.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    },
  );

  it("dlq-export against an endpoint that is not SQS writes no CSV and says what the endpoint answered (exit 2)", async () => {
    const queueUrl = `${tenant.url}/000000000000/dlq`;

    const result = await runCli(
      ["dlq-export", "--queue-url", queueUrl, "--endpoint-url", tenant.url, "--region", "eu-west-1"],
      { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      dir,
    );

    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: could not read the dead-letter queue ${queueUrl} after 0 messages: Unknown: Not Found (${tenant.url} answered HTTP 404 but not as SQS does: check --endpoint-url, and that the queue URL names a queue there)\n`,
    });
  });

  describe("input files, checked before anything starts", () => {
    beforeAll(async () => {
      await writeFile(
        join(dir, "semicolons.csv"),
        "user_id;type;totp_secret\nauth0|1;totp;JBSWY3DPEHPK3PXP\n",
      );
      await writeFile(join(dir, "tabs.csv"), "user_id\ttype\ttotp_secret\nauth0|1\ttotp\tJBSWY3DPEHPK3PXP\n");
      await writeFile(
        join(dir, "utf16.csv"),
        Buffer.from("user_id,type,totp_secret\nauth0|1,totp,JBSWY3DPEHPK3PXP\n", "utf16le"),
      );
      await writeFile(
        join(dir, "utf16-bom.jsonl"),
        Buffer.concat([
          Buffer.from([0xfe, 0xff]),
          Buffer.from('{"user_id":"a","authentication_methods":[]}\n', "utf16le").swap16(),
        ]),
      );
      await writeFile(join(dir, "bad-header.csv"), "user_id,type,phone\nauth0|1,totp,x\n");
    });

    const saveAs =
      "in Excel, File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice, Save As > Text CSV with character set UTF-8 and field delimiter ','";

    it.each([
      [
        "semicolons.csv",
        `'semicolons.csv': line 1: the header is separated by semicolons (;), not commas: factor-sync reads comma-separated CSV; save the file again with ',' as the separator (${saveAs})`,
        1,
      ],
      [
        "tabs.csv",
        `'tabs.csv': line 1: the header is separated by tabs, not commas: factor-sync reads comma-separated CSV; save the file again with ',' as the separator (${saveAs})`,
        1,
      ],
      [
        "utf16.csv",
        `'utf16.csv': the file is UTF-16LE (without a byte-order mark), not UTF-8: convert it, e.g. iconv -f UTF-16LE -t UTF-8 utf16.csv > utf16-utf8.csv, or save it again as UTF-8 (${saveAs})`,
        undefined,
      ],
      [
        "utf16-bom.jsonl",
        `'utf16-bom.jsonl': the file is UTF-16BE (with a byte-order mark), not UTF-8: convert it, e.g. iconv -f UTF-16BE -t UTF-8 utf16-bom.jsonl > utf16-bom-utf8.jsonl, or save it again as UTF-8 (${saveAs})`,
        undefined,
      ],
    ])(
      "says what to do with %s, in validate and in run (before any target starts)",
      async (name, message, line) => {
        const requests = tenant.stats.requests;
        expect(await runCli(["validate", name], {}, dir)).toEqual({
          code: 2,
          stdout: "",
          stderr: `error: ${message}\n`,
        });

        const run = await runCli(["run", name, "--json"], tenantEnv, dir);
        expect(run.code).toBe(2);
        expect(run.stderr).toBe(`error: ${message}\n`);
        expect(JSON.parse(run.stdout)).toEqual({
          error: message,
          file: name,
          ...(line === undefined ? {} : { line }),
        });
        expect(tenant.stats.requests).toBe(requests);
      },
    );

    it("reports a bad header of run --json as a JSON error naming the file and line, not as zero counts", async () => {
      const result = await runCli(["run", "bad-header.csv", "--json"], {}, dir);

      const message =
        "'bad-header.csv': line 1: unknown column 'phone' in the header (known columns: user_id, type, phone_number, preferred_authentication_method, email, totp_secret, name)";
      expect(result).toEqual({
        code: 2,
        stdout: `${JSON.stringify({ error: message, file: "bad-header.csv", line: 1 })}\n`,
        stderr: `error: ${message}\n`,
      });
    });

    it("resolves paths against the directory npm start was typed in (INIT_CWD) and echoes them as typed", async () => {
      const sub = join(dir, "sub");
      await mkdir(sub, { recursive: true });

      const missing = await startCli(["validate", "../nope.csv"], { npmStartFrom: sub }).result;
      expect(missing).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: cannot read '../nope.csv': no such file (looked for ${join(dir, "nope.csv")})\n`,
      });

      const found = await startCli(["run", "../semicolons.csv", "--dry-run"], { npmStartFrom: sub }).result;
      expect(found.code).toBe(2);
      expect(found.stderr).toMatch(
        /^error: '\.\.\/semicolons\.csv': line 1: the header is separated by semicolons/,
      );
    });
  });
});
