/**
 * SendMessageBatch itself failed (not some of its entries) on every attempt: the queue is unreachable, missing or
 * forbidden. Ingest cannot go on, so this propagates and the invocation is retried by Lambda; sending a user
 * twice is harmless (PUT replaces the whole method set with the same value).
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
