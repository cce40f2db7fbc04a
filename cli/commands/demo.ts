import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { PIPELINE_DEFAULTS } from "../../lib/config/defaults.js";
import { examplesHelp } from "../helpText.js";
import { positiveNumber } from "../optionParsers.js";
import { runPipeline } from "./run.js";

/** The file the demo runs. */
export const SAMPLE_FILE = fileURLToPath(new URL("../../samples/sample.csv", import.meta.url));

/**
 * `demo`: the bundled sample (`samples/sample.csv`) through the whole local pipeline against the bundled Auth0
 * simulator, always: it never reads AUTH0_* or `.env`, so it cannot write to a real tenant. What a bare
 * `npm start` runs. Exit 0 when every user of the sample is accounted for (it rejects and fails some on purpose).
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description(
      "Run the bundled sample through the whole pipeline against the bundled Auth0 simulator (never a real tenant).",
    )
    .option("--json", "print one JSON object on stdout: the counts and reportsDir, or the error")
    .addOption(
      new Option("--rps <n>", "requests-per-second ceiling for the whole apply fleet")
        .default(PIPELINE_DEFAULTS.rpsCeiling)
        .argParser(positiveNumber),
    )
    .addHelpText("after", examplesHelp(["npm start", "factor-sync demo --json"]))
    .action(async (options: { json?: boolean; rps: number }) => {
      process.exitCode = await runPipeline(
        "samples/sample.csv",
        {
          json: options.json,
          rps: options.rps,
          budgetShare: PIPELINE_DEFAULTS.budgetShare,
          concurrency: PIPELINE_DEFAULTS.maxConcurrency,
        },
        { demo: true, path: SAMPLE_FILE },
      );
    });
}
