import { CliError } from "./errors.js";
import { EXIT, type ExitCode } from "./exitCodes.js";

/** The streams a command writes to; the process's by default. */
export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * How every command speaks, so that all of them follow one rule: text for people goes to stdout, or to stderr
 * with `--json` (stdout then holds exactly one JSON object, whatever happened); an error is one line
 * `error: ...` on stderr and, with `--json`, the object `{"error": "...", ...fields}` on stdout.
 *
 * @example
 * const output = new CommandOutput(options.json === true);
 * output.say("Target: the bundled simulator");
 * return output.fail(new CliError("cannot read 'x.csv': no such file", { fields: { file: "x.csv" } }));
 */
export class CommandOutput {
  public constructor(
    /** Whether `--json` was given. */
    public readonly json: boolean,
    private readonly streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
  ) {}

  /** The stream for people: stdout, or stderr with `--json`. */
  public get people(): NodeJS.WritableStream {
    return this.json ? this.streams.stderr : this.streams.stdout;
  }

  public get stdout(): NodeJS.WritableStream {
    return this.streams.stdout;
  }

  public get stderr(): NodeJS.WritableStream {
    return this.streams.stderr;
  }

  /** One line (or several) for people. */
  public say(text: string): void {
    this.people.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** A warning for people, on stderr so that stdout stays the result. */
  public warn(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** The command's result: with `--json` the object on stdout, otherwise `text` (if any) for people. */
  public result(object: Record<string, unknown>, text?: string): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(object)}\n`);
    else if (text !== undefined) this.streams.stdout.write(text);
  }

  /**
   * Reports an error and returns its exit code: one line on stderr; with `--json`, `{"error", ...fields,
   * ...extra}` on stdout (`extra`: what the command had found before it stopped, e.g. counts).
   */
  public fail(error: unknown, extra: Record<string, unknown> = {}): ExitCode {
    const { message, exitCode, fields } = describeFailure(error);
    this.streams.stderr.write(`error: ${message}\n`);
    if (this.json) this.streams.stdout.write(`${JSON.stringify({ error: message, ...fields, ...extra })}\n`);
    return exitCode;
  }
}

/** A {@link CliError} as it is; anything else is unexpected: one line, no stack trace, exit 1. */
function describeFailure(error: unknown): {
  message: string;
  exitCode: ExitCode;
  fields: Readonly<Record<string, unknown>>;
} {
  if (error instanceof CliError)
    return { message: error.message, exitCode: error.exitCode, fields: error.fields };
  const message =
    error instanceof Error ? `${error.name}: ${error.message.split("\n")[0] ?? ""}` : String(error);
  return { message, exitCode: EXIT.notAllApplied, fields: {} };
}
