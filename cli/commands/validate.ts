import { createReadStream } from "node:fs";
import { Command } from "commander";
import type { CountryCode } from "libphonenumber-js";
import type { RejectedUser } from "../../lib/factors/types.js";
import {
  detectFileKind,
  exceedsTolerance,
  formatRejection,
  InputFileError,
  InvalidCountryError,
  InvalidMaxRejectedError,
  InvalidPhoneCheckError,
  type MaxRejected,
  type PhoneCheck,
  parseCountryCode,
  parseMaxRejected,
  parsePhoneCheck,
  readUserFactors,
} from "../../lib/ingest/index.js";

/** Options of `validate`, as commander parses them. */
export interface ValidateOptions {
  json?: boolean;
  allowClear?: boolean;
  defaultCountry?: string;
  phoneCheck?: string;
  maxRejected?: string;
}

/** Where `validate` writes; the process's streams by default. */
export interface ValidateOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit codes of design.md. */
const ALL_VALID = 0;
const SOME_REJECTED = 1;
const FILE_ERROR = 2;

/**
 * `validate <file>`: reads a file as ingest would (both passes), sends nothing, and lists every rejected place
 * of a user. Exit 0 when all users are valid, 1 when some are rejected (and says so when they are more than
 * `--max-rejected` allows), 2 on a file-level error (unsupported name, unreadable or empty file, bad header,
 * corrupt gzip) or a bad option.
 */
export function validateCommand(): Command {
  return new Command("validate")
    .description("Check a file of desired factors without sending anything; list every rejected user.")
    .argument("<file>", "a .csv or .jsonl file, optionally .gz")
    .option(
      "--json",
      'print {"users", "methods", "rejected": [{"line", "userId", "errors"}]} as one JSON object',
    )
    .option("--allow-clear", "accept users with an empty method set (it deletes all of their factors)")
    .option("--default-country <CC>", "ISO 3166-1 alpha-2 country for national phone numbers, e.g. US")
    .option(
      "--phone-check <mode>",
      "strict (a valid number in its country's plan, the default) or e164 (Auth0's rule only)",
    )
    .option(
      "--max-rejected <N|P%>",
      "say whether ingest would send the file: at most N rejected users, or P% of its users",
    )
    .action(async (file: string, options: ValidateOptions) => {
      process.exitCode = await validateFile(file, options);
    });
}

/**
 * The body of `validate`, returning the exit code; never throws and never prints a stack trace.
 *
 * @example
 * process.exitCode = await validateFile("users.csv", { json: true });
 */
export async function validateFile(
  file: string,
  options: ValidateOptions,
  output: ValidateOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const rejected: RejectedUser[] = [];
  let defaultCountry: CountryCode | undefined;
  let phoneCheck: PhoneCheck | undefined;
  let maxRejected: MaxRejected | undefined;
  let reader: ReturnType<typeof readUserFactors> | undefined;
  try {
    if (options.defaultCountry !== undefined) defaultCountry = parseCountryCode(options.defaultCountry);
    if (options.phoneCheck !== undefined) phoneCheck = parsePhoneCheck(options.phoneCheck);
    if (options.maxRejected !== undefined) maxRejected = parseMaxRejected(options.maxRejected);
    const kind = detectFileKind(file);
    reader = readUserFactors(() => opened(file), kind, {
      allowClear: options.allowClear,
      defaultCountry,
      phoneCheck,
    });
    for await (const read of reader) {
      if (read.kind === "valid") continue;
      if (options.json) rejected.push(read.user);
      else output.stdout.write(`${formatRejection(read.user).join("\n")}\n`);
    }
  } catch (error) {
    const message = describeError(error, file);
    output.stderr.write(`error: ${message}\n`);
    if (options.json) {
      // With --json, stdout always holds one JSON object: what was read before the error, and the error.
      const { users, methods } = reader?.summary ?? { users: 0, methods: 0 };
      const line = error instanceof InputFileError && error.line !== undefined ? error.line : null;
      output.stdout.write(`${JSON.stringify({ users, methods, rejected, error: { message, line } })}\n`);
    }
    return FILE_ERROR;
  }
  const { users, valid, methods } = reader.summary;
  const rejectedCount = users - valid;
  const tooMany = exceedsTolerance(maxRejected, rejectedCount, users);
  if (options.json) {
    output.stdout.write(
      `${JSON.stringify({ users, methods, rejected, ...(tooMany !== undefined ? { tooManyRejected: tooMany } : {}) })}\n`,
    );
  } else {
    output.stdout.write(
      `${users} ${users === 1 ? "user" : "users"}: ${valid} valid (${methods} ${methods === 1 ? "method" : "methods"}), ${rejectedCount} rejected\n`,
    );
    if (tooMany !== undefined) output.stdout.write(`${tooMany.message}\n`);
  }
  return valid === users ? ALL_VALID : SOME_REJECTED;
}

function describeError(error: unknown, file: string): string {
  if (error instanceof InputFileError) return error.message;
  if (error instanceof InvalidCountryError) return `--default-country: ${error.message}`;
  if (error instanceof InvalidPhoneCheckError) return `--phone-check: ${error.message}`;
  if (error instanceof InvalidMaxRejectedError) return `--max-rejected: ${error.message}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return `cannot read '${file}': no such file`;
  if (code === "EISDIR") return `cannot read '${file}': it is a directory`;
  if (code === "EACCES") return `cannot read '${file}': permission denied`;
  // Anything else is unexpected: one line, still no stack trace.
  return error instanceof Error ? error.message.split("\n")[0] || error.name : String(error);
}

/** The file opened for one pass, once it is known to be readable (so a missing file is an error of its own). */
async function opened(file: string): Promise<ReturnType<typeof createReadStream>> {
  const input = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", reject);
  });
  return input;
}
