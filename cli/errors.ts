import { EXIT, type ExitCode } from "./exitCodes.js";

/**
 * A command cannot go on, for a reason the user can fix: a bad option, an unreadable or invalid file, a target
 * that refuses. The message says what is wrong and what to do; `fields` are added to the `--json` error object
 * (e.g. `file`, `line`); `exitCode` is 2 unless said otherwise.
 *
 * @example
 * throw new CliError("cannot read '../x.csv': no such file", { fields: { file: "../x.csv" } });
 */
export class CliError extends Error {
  public override readonly name = "CliError";
  public readonly exitCode: ExitCode;
  public readonly fields: Readonly<Record<string, unknown>>;

  public constructor(
    message: string,
    options: { exitCode?: ExitCode; fields?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT.usage;
    this.fields = options.fields ?? {};
  }
}
