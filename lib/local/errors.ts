/** An option of the local runner is out of range; `option` names it. */
export class LocalRunOptionsError extends Error {
  public override readonly name = "LocalRunOptionsError";

  public constructor(
    public readonly option: string,
    public readonly problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}

/** The event source gave up: SQS kept failing (the emulator went away, or the queue was deleted). */
export class EventSourceError extends Error {
  public override readonly name = "EventSourceError";

  public constructor(
    public readonly queueUrl: string,
    public readonly consecutiveFailures: number,
    options: { cause: unknown },
  ) {
    const cause =
      options.cause instanceof Error
        ? `${options.cause.name}: ${options.cause.message}`
        : String(options.cause);
    super(`polling ${queueUrl} failed ${consecutiveFailures} times in a row: ${cause}`, options);
  }
}

/** A local run cannot go on: the file cannot be read, or the target refuses the credentials. */
export class LocalRunError extends Error {
  public override readonly name = "LocalRunError";
}

/** The dynalite thread (the local DynamoDB) could not start, or stopped before it listened. */
export class DynaliteThreadError extends Error {
  public override readonly name = "DynaliteThreadError";
}
