/**
 * SendMessageBatch itself failed (not some of its entries) on every attempt: the queue is unreachable, missing or
 * forbidden. Ingest cannot go on, so this propagates and the invocation fails (the stack records it in the ingest
 * failure queue); a rerun (re-uploading the file) sends users again, which is harmless: PUT replaces the whole
 * method set with the same value.
 */
export class QueueSendError extends Error {
  public override readonly name = "QueueSendError";

  public constructor(
    public readonly attempts: number,
    public override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`SendMessageBatch failed ${attempts} times: ${reason}`, { cause });
  }
}

/** An option of the `UserQueue` is out of range; `option` names it. A `RangeError`, as it always was. */
export class UserQueueOptionsError extends RangeError {
  public override readonly name = "UserQueueOptionsError";

  public constructor(
    public readonly option: string,
    public readonly problem: string,
  ) {
    super(`UserQueue: ${option} ${problem}`);
  }
}
