import { createReadStream } from "node:fs";
import { Command } from "commander";
import type { CountryCode } from "libphonenumber-js";
import type { RejectedUser } from "../../lib/factors/types.js";
import {
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
import { CommandOutput, type OutputStreams } from "../CommandOutput.js";
import { CliError } from "../errors.js";
import { EXIT } from "../exitCodes.js";
import { formatCount } from "../format.js";
import { examplesHelp } from "../helpText.js";
import { checkInputFile } from "../inputFile.js";
import { ReasonCounts } from "../reasonCounts.js";

/** Options of `validate`, as commander parses them. */
export interface ValidateOptions {
  json?: boolean;
  allowClear?: boolean;
  defaultCountry?: string;
  phoneCheck?: string;
  maxRejected?: string;
}

/**
 * `validate <file>`: reads a file as ingest would (both passes), sends nothing, and lists every rejected place
 * of a user, then a count per reason. Exit 0 when all users are valid, 1 when some are rejected (and says so
 * when they are more than `--max-rejected` allows), 2 on a file-level error (unsupported name, unreadable,
 * empty or UTF-16 file, bad header, corrupt gzip) or a bad option.
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
    .option("--phone-check <mode>", "strict (in its country's plan, the default) or e164 (Auth0's rule)")
    .option("--max-rejected <N|P%>", "say whether ingest would send it: at most N (or P%) rejected users")
    .addHelpText(
      "after",
      examplesHelp([
        "factor-sync validate users.csv",
        "factor-sync validate users.jsonl.gz --default-country GB",
        "factor-sync validate users.csv --json | jq '.rejected | length'",
      ]),
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
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const output = new CommandOutput(options.json === true, streams);
  const rejected: RejectedUser[] = [];
  const reasons = new ReasonCounts();
  let maxRejected: MaxRejected | undefined;
  let reader: ReturnType<typeof readUserFactors> | undefined;
  try {
    let defaultCountry: CountryCode | undefined;
    let phoneCheck: PhoneCheck | undefined;
    try {
      if (options.defaultCountry !== undefined) defaultCountry = parseCountryCode(options.defaultCountry);
      if (options.phoneCheck !== undefined) phoneCheck = parsePhoneCheck(options.phoneCheck);
      if (options.maxRejected !== undefined) maxRejected = parseMaxRejected(options.maxRejected);
    } catch (error) {
      if (error instanceof InvalidCountryError) throw new CliError(`--default-country: ${error.message}`);
      if (error instanceof InvalidPhoneCheckError) throw new CliError(`--phone-check: ${error.message}`);
      if (error instanceof InvalidMaxRejectedError) throw new CliError(`--max-rejected: ${error.message}`);
      throw error;
    }
    const input = await checkInputFile(file);
    // Two passes, as ingest reads it: the file is opened once for each.
    reader = readUserFactors(() => createReadStream(input.path), input.kind, {
      allowClear: options.allowClear,
      defaultCountry,
      phoneCheck,
    });
    for await (const read of reader) {
      if (read.kind === "valid") continue;
      reasons.add(read.user);
      if (options.json) rejected.push(read.user);
      else output.stdout.write(`${formatRejection(read.user).join("\n")}\n`);
    }
  } catch (error) {
    // With --json, stdout holds one JSON object: what was read before the error, and the error.
    const { users, methods } = reader?.summary ?? { users: 0, methods: 0 };
    const cause =
      error instanceof InputFileError
        ? new CliError(`'${file}': ${error.message}`, {
            fields: { file, ...(error.line === undefined ? {} : { line: error.line }) },
          })
        : error;
    return output.fail(cause, { users, methods, rejected });
  }
  const { users, valid, methods } = reader.summary;
  const rejectedCount = users - valid;
  const lines = [
    `${formatCount(users)} ${users === 1 ? "user" : "users"}: ${formatCount(valid)} valid (${formatCount(methods)} ${methods === 1 ? "method" : "methods"}), ${formatCount(rejectedCount)} rejected`,
  ];
  const sorted = reasons.sorted();
  if (sorted.length > 0) {
    const width = Math.max(...sorted.map(([, count]) => formatCount(count).length));
    lines.push("Rejected users by reason:");
    for (const [reason, count] of sorted) lines.push(`  ${formatCount(count).padStart(width)}  ${reason}`);
  }
  const tooMany = exceedsTolerance(maxRejected, rejectedCount, users);
  if (tooMany !== undefined) lines.push(tooMany.message);
  output.result(
    { users, methods, rejected, ...(tooMany !== undefined ? { tooManyRejected: tooMany } : {}) },
    `${lines.join("\n")}\n`,
  );
  return valid === users ? EXIT.ok : EXIT.notAllApplied;
}
