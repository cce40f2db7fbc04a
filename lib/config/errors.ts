/** An environment variable of a function is missing or invalid; `variable` names it. */
export class ConfigurationError extends Error {
  public override readonly name = "ConfigurationError";

  public constructor(
    public readonly variable: string,
    public readonly problem: string,
  ) {
    super(`environment variable ${variable}: ${problem}`);
  }
}
