import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import type { CountryCode } from "libphonenumber-js";
import { InvalidAuth0DomainError } from "../../lib/auth0/Auth0Endpoint.js";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";
import { parseCountryCode } from "../../lib/ingest/index.js";
import { startBundledSimulator } from "../../lib/local/bundledSimulator.js";
import { dryRun } from "../../lib/local/dryRun.js";
import { LocalRunError, LocalRunOptionsError } from "../../lib/local/errors.js";
import { DEFAULT_STATE_DIR } from "../../lib/local/LocalAws.js";
import { runLocalMigration } from "../../lib/local/runLocalMigration.js";
import type { Auth0Target, LocalMigrationSummary } from "../../lib/local/types.js";
import type { Auth0Simulator } from "../../lib/simulator/index.js";
import { chooseTarget, IncompleteTargetError, loadDotEnv, TARGET_VARIABLES } from "../auth0Target.js";
import { integerIn, positiveNumber, share } from "../optionParsers.js";
import { quietEmulatorWarning } from "../quietEmulatorWarning.js";
import { BarProgress, LineProgress, type RunProgress, silentProgress } from "../RunProgress.js";
import { exitCodeOf, formatDryRun, formatRunSummary, jsonSummary, RUN_EXIT } from "../runReport.js";

/** The file `npm start` runs when given none. */
export const SAMPLE_FILE = fileURLToPath(new URL("../../samples/sample.csv", import.meta.url));

/** Options of `run`, as commander parses them. */
interface RunOptions {
  json?: boolean;
  rps?: number;
  budgetShare?: number;
  concurrency?: number;
  allowClear?: boolean;
  defaultCountry?: CountryCode;
  dryRun?: boolean;
  full?: boolean;
  stateDir: string;
}

function country(value: string): CountryCode {
  try {
    return parseCountryCode(value);
  } catch {
    throw new InvalidArgumentError("expected an ISO 3166-1 alpha-2 country code such as US.");
  }
}

/**
 * `run [file]`, the default command: the whole pipeline on this machine (embedded S3/SQS, the real ingest and
 * apply handlers) against the tenant of `AUTH0_DOMAIN`/`AUTH0_CLIENT_ID`/`AUTH0_CLIENT_SECRET` (environment or
 * `.env`), or the bundled Auth0 simulator when they are unset. Exit 0 all applied, 1 some users rejected or
 * failed, 2 usage or file error, 130 interrupted.
 */
export function runCommand(): Command {
  return new Command("run")
    .description(
      "Run the whole pipeline on this machine on a file (default: the bundled sample) against AUTH0_DOMAIN, or the bundled simulator",
    )
    .argument("[file]", "a .csv or .jsonl file, optionally .gz (default: samples/sample.csv)")
    .option(
      "--json",
      'print only {"users","applied","rejected","failed","unchanged","durationMs","jobId","reportsDir"} on stdout',
    )
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
    .option("--dry-run", "read and validate the file and count its users; send nothing")
    .option(
      "--full",
      "send every valid user, even those this tool already applied with the same factors (a full sync)",
    )
    .option("--state-dir <dir>", "where the jobs table is kept (jobs, status)", DEFAULT_STATE_DIR)
    .exitOverride()
    .action(async (file: string | undefined, options: RunOptions) => {
      process.exitCode = await run(file ?? SAMPLE_FILE, options, file === undefined);
    });
}

/** `demo`: the bundled sample, run because no file was given (see {@link exitCodeOf}). */
async function run(file: string, options: RunOptions, demo: boolean): Promise<number> {
  const out = process.stdout;
  // With --json, stdout holds the JSON alone: everything for people goes to stderr.
  const say = (line: string) => (options.json ? process.stderr : out).write(`${line}\n`);
  const fail = (message: string, code: number) => {
    process.stderr.write(`error: ${message}\n`);
    return code;
  };

  try {
    loadDotEnv();
  } catch (error) {
    return fail(`cannot read .env: ${(error as Error).message}`, RUN_EXIT.usage);
  }

  if (options.dryRun) {
    say("Target: none (dry run: the file is read and validated, nothing is sent)");
    try {
      const summary = await dryRun(file, {
        allowClear: options.allowClear,
        defaultCountry: options.defaultCountry,
      });
      if (options.json) {
        const { users, valid, rejected, methods, durationMs } = summary;
        out.write(`${JSON.stringify({ users, valid, rejected, methods, durationMs, dryRun: true })}\n`);
      } else out.write(formatDryRun(relative(process.cwd(), file) || file, summary));
      if (summary.fileError) return fail(summary.fileError.message, RUN_EXIT.usage);
      return summary.rejected > 0 && !demo ? RUN_EXIT.someNotApplied : RUN_EXIT.allApplied;
    } catch (error) {
      return fail(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        RUN_EXIT.usage,
      );
    }
  }

  let target: Auth0Target;
  let simulator: Auth0Simulator | undefined;
  try {
    const choice = chooseTarget();
    if (choice.kind === "tenant") {
      target = choice.target;
      say(`Target: Auth0 tenant ${target.domain} (from AUTH0_DOMAIN)`);
    } else {
      const bundled = await startBundledSimulator();
      simulator = bundled.simulator;
      target = bundled.target;
      say(
        `Target: Auth0 simulator at ${simulator.url} (set ${TARGET_VARIABLES.join(", ")} to use a real tenant)`,
      );
    }
  } catch (error) {
    if (error instanceof IncompleteTargetError) return fail(error.message, RUN_EXIT.usage);
    throw error;
  }

  quietEmulatorWarning();
  const controller = new AbortController();
  let progress: RunProgress = silentProgress;
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(RUN_EXIT.interrupted);
    progress.stop();
    process.stderr.write(
      "\nStopping: no new batch starts; waiting for the requests in flight (Ctrl-C again to quit at once)...\n",
    );
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    say(
      `Running ${relative(process.cwd(), file) || file}: ceiling ${options.rps} requests/s, budget share ${options.budgetShare}, ${options.concurrency} concurrent apply invocations`,
    );
    progress = options.json ? silentProgress : out.isTTY ? new BarProgress(out) : new LineProgress(out);
    let summary: LocalMigrationSummary;
    let jobId: string | undefined;
    try {
      summary = await runLocalMigration({
        file,
        target,
        allowClear: options.allowClear,
        defaultCountry: options.defaultCountry,
        rpsCeiling: options.rps,
        budgetShare: options.budgetShare,
        maxConcurrency: options.concurrency,
        stateDir: options.stateDir,
        full: options.full,
        onForecast: ({ valid, unchanged, toSend }) => {
          if (unchanged > 0) {
            say(
              `${unchanged} of ${valid} users already applied with these factors; ${toSend} to send (--full sends all)`,
            );
          }
        },
        signal: controller.signal,
        onProgress: (snapshot) => {
          if (snapshot.jobId !== undefined && jobId === undefined) {
            jobId = snapshot.jobId;
            (options.json ? process.stderr : out).write(
              `Job ${jobId} (factor-sync status ${jobId} --watch)\n`,
            );
          }
          if (!controller.signal.aborted) progress.update(snapshot);
        },
      });
    } finally {
      progress.stop();
    }
    if (options.json) out.write(`${jsonSummary(summary)}\n`);
    else out.write(formatRunSummary(summary));
    if (summary.fileError) process.stderr.write(`error: ${summary.fileError.message}\n`);
    return exitCodeOf(summary, { demo });
  } catch (error) {
    if (error instanceof LocalRunError || error instanceof InvalidAuth0DomainError) {
      return fail(error.message, RUN_EXIT.usage);
    }
    if (error instanceof LocalRunOptionsError) return fail(error.message, RUN_EXIT.usage);
    return fail(
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      RUN_EXIT.someNotApplied,
    );
  } finally {
    process.off("SIGINT", onSigint);
    await simulator?.stop();
  }
}
