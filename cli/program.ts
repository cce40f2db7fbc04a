import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { auth0SimCommand } from "./commands/auth0Sim.js";
import { demoCommand } from "./commands/demo.js";
import { dlqExportCommand, dlqRedriveCommand } from "./commands/dlq.js";
import { cancelCommand, jobsCommand, statusCommand } from "./commands/jobs.js";
import { runCommand } from "./commands/run.js";
import { validateCommand } from "./commands/validate.js";
import { EXIT } from "./exitCodes.js";
import { examplesHelp } from "./helpText.js";

/** The version in package.json (`--version`). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * Gives a command (and its subcommands) the house rules: errors are thrown to {@link runCli} instead of
 * exiting (which turns them into exit 2, and into JSON with `--json`), and a usage error ends with a pointer
 * to the command's help. A new command gets them by being added in {@link createProgram}.
 *
 * @example
 * configureCommand(new Command("jobs").action(...), "jobs");
 */
export function configureCommand(command: Command, path = command.name()): Command {
  command.exitOverride().showHelpAfterError(`(run 'factor-sync ${path} --help' for usage)`);
  for (const sub of command.commands)
    configureCommand(sub, path === "" ? sub.name() : `${path} ${sub.name()}`);
  return command;
}

/**
 * The `factor-sync` program. No command is a default: a bare `factor-sync` prints help (see {@link runCli}),
 * and an unknown word is an unknown command, never a file name.
 */
export function createProgram(): Command {
  const program = new Command("factor-sync")
    .description(
      "Make users' MFA factors in Auth0 match a file, and account for every row.\n" +
        "Nothing writes to a real tenant without asking: 'run' shows the target and asks (or needs --yes).",
    )
    .version(VERSION, "-V, --version", "print the version")
    .addCommand(demoCommand())
    .addCommand(validateCommand())
    .addCommand(runCommand())
    .addCommand(auth0SimCommand())
    .addCommand(dlqExportCommand())
    .addCommand(dlqRedriveCommand())
    .addCommand(jobsCommand())
    .addCommand(statusCommand())
    .addCommand(cancelCommand())
    .addHelpText(
      "after",
      examplesHelp([
        "factor-sync demo                  # the sample, on the bundled simulator",
        "factor-sync validate users.csv    # check a file; sends nothing",
        "factor-sync run users.csv         # to the AUTH0_* tenant: asks first",
        "factor-sync run users.csv --yes   # in a script: no question",
        "factor-sync <command> --help",
      ]),
    );
  configureCommand(program, "");
  program.showHelpAfterError("(run 'factor-sync --help' for the commands)");
  return program;
}

/**
 * Runs the CLI on `args` (without node and the script) and returns the exit code. A bare call prints help
 * (exit 0); a usage error of commander (unknown command or option, missing argument, bad value) exits 2, with
 * `{"error": "..."}` on stdout when `--json` was given.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(args: readonly string[]): Promise<number> {
  const program = createProgram();
  if (args.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...args], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version are not errors.
    if (error.exitCode === 0) return EXIT.ok;
    const end = args.indexOf("--");
    const json = (end === -1 ? args : args.slice(0, end)).includes("--json");
    if (json) {
      const message = error.message.replace(/^error: /, "").replaceAll("\n", " ");
      process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    }
    return EXIT.usage;
  }
}
