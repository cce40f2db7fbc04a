import { Command, InvalidArgumentError, Option } from "commander";
import type { CountryCode } from "libphonenumber-js";
import { InvalidAuth0DomainError } from "../../lib/auth0/Auth0Endpoint.js";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";
import {
  exceedsTolerance,
  type MaxRejected,
  type PhoneCheck,
  parseCountryCode,
  parseMaxRejected,
  parsePhoneCheck,
} from "../../lib/ingest/index.js";
import { startBundledSimulator } from "../../lib/local/bundledSimulator.js";
import { dryRun } from "../../lib/local/dryRun.js";
import { LocalRunError, LocalRunOptionsError } from "../../lib/local/errors.js";
import { DEFAULT_STATE_DIR } from "../../lib/local/LocalAws.js";
import { runLocalMigration } from "../../lib/local/runLocalMigration.js";
import type { Auth0Target, LocalMigrationSummary } from "../../lib/local/types.js";
import type { Auth0Simulator } from "../../lib/simulator/index.js";
import { chooseTarget, IncompleteTargetError, loadDotEnv, TARGET_VARIABLES } from "../auth0Target.js";
import { CommandOutput } from "../CommandOutput.js";
import { askYesNo } from "../confirm.js";
import { credentialsFromEnv } from "../credentialsFromEnv.js";
import { CliError } from "../errors.js";
import { EXIT } from "../exitCodes.js";
import { formatCount } from "../format.js";
import { examplesHelp } from "../helpText.js";
import { checkInputFile } from "../inputFile.js";
import { integerIn, positiveNumber, share } from "../optionParsers.js";
import { quietEmulatorWarning } from "../quietEmulatorWarning.js";
import { LineProgress, type RunProgress, SilentProgress, TerminalProgress } from "../RunProgress.js";
import { exitCodeOf, formatDryRun, formatRunSummary, jsonSummary } from "../runReport.js";

/** Options of `run`, as commander parses them. */
export interface RunOptions {
  json?: boolean;
  rps: number;
  budgetShare: number;
  concurrency: number;
  allowClear?: boolean;
  defaultCountry?: CountryCode;
  phoneCheck?: PhoneCheck;
  maxRejected?: MaxRejected;
  dryRun?: boolean;
  ingestTimeout?: number;
  yes?: boolean;
  /** Send every valid user, whatever the sync state says. @default false */
  full?: boolean;
  /** Where the jobs table is kept. @default DEFAULT_STATE_DIR */
  stateDir?: string;
}

function phoneCheck(value: string): PhoneCheck {
  try {
    return parsePhoneCheck(value);
  } catch {
    throw new InvalidArgumentError("expected strict or e164.");
  }
}

function maxRejected(value: string): MaxRejected {
  try {
    return parseMaxRejected(value);
  } catch {
    throw new InvalidArgumentError("expected a count such as 10 or a percentage such as 2.5%.");
  }
}

function country(value: string): CountryCode {
  try {
    return parseCountryCode(value);
  } catch {
    throw new InvalidArgumentError("expected an ISO 3166-1 alpha-2 country code such as US.");
  }
}

/**
 * `run <file>`: the whole pipeline on this machine (embedded S3/SQS, the real ingest and apply handlers)
 * against the tenant of `AUTH0_DOMAIN`/`AUTH0_CLIENT_ID`/`AUTH0_CLIENT_SECRET` (environment or `.env`), or the
 * bundled Auth0 simulator when they are unset. A real tenant is shown with the file and its user count and
 * confirmed on a terminal; without one, `--yes` is required. Exit codes: see {@link EXIT}.
 */
export function runCommand(): Command {
  return new Command("run")
    .description(
      "Run the whole pipeline on this machine: the file's factors go to the AUTH0_* tenant (after a confirmation) or, when AUTH0_* is unset, to the bundled simulator.",
    )
    .argument("<file>", "a .csv or .jsonl file, optionally .gz, relative to where you type the command")
    .option("--json", "print one JSON object on stdout: the counts and reportsDir, or the error")
    .option("-y, --yes", "write to the real tenant without asking (required when there is no terminal)")
    .addOption(
      new Option("--rps <n>", "requests-per-second ceiling for the whole apply fleet")
        .default(PIPELINE_DEFAULTS.rpsCeiling)
        .argParser(positiveNumber),
    )
    .addOption(
      new Option("--budget-share <x>", "share of the tenant's rate limit the sync may use, above 0 up to 1")
        .default(PIPELINE_DEFAULTS.budgetShare)
        .argParser(share),
    )
    .addOption(
      new Option("--concurrency <n>", "concurrent apply invocations (the event source's MaximumConcurrency)")
        .default(PIPELINE_DEFAULTS.maxConcurrency)
        .argParser(integerIn(1, 1000)),
    )
    .option("--allow-clear", "accept users with an empty method set (it deletes all of their factors)")
    .addOption(
      new Option(
        "--default-country <CC>",
        "ISO 3166-1 alpha-2 country for national phone numbers, e.g. US",
      ).argParser(country),
    )
    .addOption(
      new Option(
        "--phone-check <mode>",
        "strict (in its country's plan, the default) or e164 (Auth0's rule)",
      ).argParser(phoneCheck),
    )
    .addOption(
      new Option(
        "--max-rejected <N|P%>",
        "send nothing if more than N (or P%) of the users are rejected",
      ).argParser(maxRejected),
    )
    .addOption(
      new Option(
        "--ingest-timeout <s>",
        "ingest timeout in seconds; longer ingests continue from a checkpoint",
      )
        .default(PIPELINE_DEFAULTS.ingestTimeoutSeconds)
        .argParser(positiveNumber),
    )
    .option("--dry-run", "read and validate the file and count its users; send nothing")
    .option("--full", "send every valid user, even those already applied with these factors")
    .option("--state-dir <dir>", "where the jobs table is kept (see jobs, status)", DEFAULT_STATE_DIR)
    .addHelpText(
      "after",
      examplesHelp([
        "factor-sync run users.csv               # shows target, file, users; asks",
        "factor-sync run users.csv.gz --rps 12.8 # 80 % of 16 rps (Enterprise)",
        "factor-sync run users.csv --yes --json  # no terminal (CI): needs --yes",
        "factor-sync run users.csv --dry-run     # count and validate only",
      ]),
    )
    .action(async (file: string, options: RunOptions) => {
      process.exitCode = await runPipeline(file, options, { demo: false });
    });
}

/** Where the run's PUTs go, and how the first output line names it. */
interface ChosenTarget {
  target: Auth0Target;
  simulator?: Auth0Simulator;
  /** A real tenant (not the bundled simulator): confirmation needed. */
  real: boolean;
  description: string;
}

/**
 * The body of `run` and `demo`: checks the file before anything starts, chooses (and for a real tenant,
 * confirms) the target, runs the local pipeline with progress, prints the summary; returns the exit code.
 * `demo` never reads AUTH0_* or `.env`: it always uses the bundled simulator. `path` overrides where the file
 * is (the demo's sample lives in the repository, wherever the command is typed).
 *
 * @example
 * process.exitCode = await runPipeline("../users.csv", { rps: 10, budgetShare: 0.8, concurrency: 2, yes: true }, { demo: false });
 */
export async function runPipeline(
  typed: string,
  options: RunOptions,
  mode: { demo: boolean; path?: string },
): Promise<number> {
  const output = new CommandOutput(options.json === true);
  let simulator: Auth0Simulator | undefined;
  try {
    const input = await checkInputFile(mode.path ?? typed);
    const file = { ...input, typed };

    if (options.dryRun) {
      output.say("Target: none (dry run: the file is read and validated, nothing is sent)");
      const summary = await dryRun(file.path, {
        allowClear: options.allowClear,
        defaultCountry: options.defaultCountry,
        phoneCheck: options.phoneCheck,
      });
      const { users, valid, rejected, methods, durationMs } = summary;
      const tooMany = exceedsTolerance(options.maxRejected, rejected, users);
      if (summary.fileError) {
        return output.fail(
          new CliError(`'${typed}': ${summary.fileError.message}`, { fields: { file: typed } }),
          {
            users,
            valid,
            rejected,
            methods,
          },
        );
      }
      output.result(
        { users, valid, rejected, methods, durationMs, dryRun: true },
        formatDryRun(typed, summary),
      );
      if (tooMany !== undefined) {
        output.warn(`error: '${typed}': ${tooMany.message}`);
        return EXIT.usage;
      }
      return rejected > 0 && !mode.demo ? EXIT.notAllApplied : EXIT.ok;
    }

    const chosen = mode.demo ? await bundledSimulator(true) : await chooseRunTarget();
    simulator = chosen.simulator;
    if (chosen.real && options.yes !== true) await confirm(chosen, file, options, output);
    output.say(`Target: ${chosen.description}`);
    return await migrate(file, chosen.target, options, output, mode.demo);
  } catch (error) {
    if (
      error instanceof LocalRunError ||
      error instanceof InvalidAuth0DomainError ||
      error instanceof LocalRunOptionsError ||
      error instanceof IncompleteTargetError
    ) {
      return output.fail(new CliError(error.message));
    }
    return output.fail(error);
  } finally {
    await simulator?.stop();
  }
}

async function bundledSimulator(demo: boolean): Promise<ChosenTarget> {
  const bundled = await startBundledSimulator();
  const why = demo
    ? "the demo never uses a real tenant; 'factor-sync run FILE' with AUTH0_* set does"
    : `set ${TARGET_VARIABLES.join(", ")} to use a real tenant`;
  return {
    target: bundled.target,
    simulator: bundled.simulator,
    real: false,
    description: `Auth0 simulator at ${bundled.simulator.url} (${why})`,
  };
}

/** The tenant of AUTH0_* (environment first, then `.env`), or the bundled simulator when none is set. */
async function chooseRunTarget(): Promise<ChosenTarget> {
  const inEnvironment = TARGET_VARIABLES.filter((name) => (process.env[name] ?? "").trim() !== "");
  try {
    loadDotEnv();
  } catch (error) {
    throw new CliError(`cannot read .env: ${(error as Error).message}`);
  }
  const choice = chooseTarget();
  if (choice.kind === "simulator") return bundledSimulator(false);
  const source = inEnvironment.includes("AUTH0_DOMAIN")
    ? "AUTH0_DOMAIN in the environment"
    : "AUTH0_DOMAIN in .env";
  return {
    // Re-read from .env while running: a refused secret pauses the run, and fixing it there resumes it.
    target: { ...choice.target, loadCredentials: credentialsFromEnv() },
    real: true,
    description: `Auth0 tenant ${choice.target.domain} (from ${source})`,
  };
}

/**
 * A real tenant: on a terminal, shows the target, the file and its users and asks; without a terminal, refuses
 * (the caller must say `--yes`).
 *
 * @throws {@link CliError} when there is no terminal, or the answer is not yes.
 */
async function confirm(
  chosen: ChosenTarget,
  file: { typed: string; path: string },
  options: RunOptions,
  output: CommandOutput,
): Promise<void> {
  const domain = chosen.target.domain;
  if (!process.stdin.isTTY) {
    throw new CliError(
      `refusing to write to the Auth0 tenant ${domain} without a confirmation, and there is no terminal to ask on: add --yes (or unset ${TARGET_VARIABLES.join(", ")} to use the bundled simulator)`,
      { fields: { target: domain, file: file.typed } },
    );
  }
  output.warn(`Counting the users of ${file.typed}...`);
  const count = await dryRun(file.path, {
    allowClear: options.allowClear,
    defaultCountry: options.defaultCountry,
    phoneCheck: options.phoneCheck,
  });
  const rejected = count.rejected > 0 ? `, ${formatCount(count.rejected)} rejected (not sent)` : "";
  output.warn(
    [
      "This run writes to a real Auth0 tenant:",
      `  target  ${chosen.description}`,
      `  file    ${file.typed}`,
      `  users   ${formatCount(count.users)}: ${formatCount(count.valid)} valid${rejected}`,
      "Their factors in the tenant are replaced by the file's.",
    ].join("\n"),
  );
  const yes = await askYesNo(`Replace the factors of ${formatCount(count.valid)} users in ${domain}? [y/N] `);
  if (!yes)
    throw new CliError("not confirmed: nothing was sent", { fields: { target: domain, file: file.typed } });
}

async function migrate(
  file: { typed: string; path: string },
  target: Auth0Target,
  options: RunOptions,
  output: CommandOutput,
  demo: boolean,
): Promise<number> {
  quietEmulatorWarning();
  const controller = new AbortController();
  const display = { file: file.typed, rps: options.rps };
  const progress: RunProgress = options.json
    ? new SilentProgress(process.stderr, display)
    : process.stdout.isTTY
      ? new TerminalProgress(process.stdout, display)
      : new LineProgress(process.stdout, display);
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    progress.stop();
    output.warn(
      "\nStopping: no new batch starts; waiting for the requests in flight (Ctrl-C again to quit at once)...",
    );
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    output.say(
      `Running ${file.typed}: ceiling ${options.rps} requests/s, budget share ${options.budgetShare}, ${options.concurrency} concurrent apply invocations`,
    );
    let summary: LocalMigrationSummary;
    let jobId: string | undefined;
    try {
      summary = await runLocalMigration({
        file: file.path,
        target,
        allowClear: options.allowClear,
        defaultCountry: options.defaultCountry,
        phoneCheck: options.phoneCheck,
        maxRejected: options.maxRejected,
        rpsCeiling: options.rps,
        budgetShare: options.budgetShare,
        maxConcurrency: options.concurrency,
        ingestTimeoutSeconds: options.ingestTimeout,
        stateDir: options.stateDir ?? DEFAULT_STATE_DIR,
        full: options.full,
        onForecast: ({ valid, unchanged, toSend }) => {
          if (unchanged > 0) {
            output.say(
              `${unchanged} of ${valid} users already applied with these factors; ${toSend} to send (--full sends all)`,
            );
          }
        },
        signal: controller.signal,
        onProgress: (snapshot) => {
          // The job's id early, for 'status --watch' elsewhere; a terminal's progress line is not broken up.
          if (
            snapshot.jobId !== undefined &&
            jobId === undefined &&
            (options.json || !process.stdout.isTTY)
          ) {
            jobId = snapshot.jobId;
            output.warn(`Job ${jobId} (follow it: factor-sync status ${jobId} --watch)`);
          }
          if (!controller.signal.aborted) progress.update(snapshot);
        },
      });
    } finally {
      progress.stop();
    }
    const code = exitCodeOf(summary, { demo });
    output.result(jsonSummary(summary), formatRunSummary(summary, file.typed));
    if (summary.fileError) output.warn(`error: '${file.typed}': ${summary.fileError.message}`);
    if (summary.tooManyRejected) output.warn(`error: '${file.typed}': ${summary.tooManyRejected.message}`);
    return code;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
