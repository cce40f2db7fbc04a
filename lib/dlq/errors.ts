/** Reading the dead-letter queue failed part-way; the messages read so far were made visible again. */
export class DeadLetterExportError extends Error {
  public override readonly name = "DeadLetterExportError";

  public constructor(
    public readonly queueUrl: string,
    public readonly exported: number,
    options: { cause: unknown },
  ) {
    super(
      `could not read the dead-letter queue ${queueUrl} after ${exported} messages: ${describe(options.cause)}`,
      options,
    );
  }
}

/** SQS refused to start, or failed, a message move task (redrive). */
export class DeadLetterRedriveError extends Error {
  public override readonly name = "DeadLetterRedriveError";

  public constructor(
    public readonly dlqArn: string,
    public readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`could not redrive ${dlqArn}: ${reason}`, options);
  }
}

/** The one-line description of a foreign error (SDK, network): its name and message. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** A queue URL given to a DLQ command is not one; a `TypeError`, as it always was. */
export class InvalidQueueUrlError extends TypeError {
  public override readonly name = "InvalidQueueUrlError";

  public constructor(
    public readonly queueUrl: string,
    problem: string,
  ) {
    super(`'${queueUrl}' ${problem}`);
  }
}
