import type { SendMessageBatchRequestEntry, SendMessageBatchResult } from "@aws-sdk/client-sqs";

/**
 * One SendMessageBatch call, reduced to what the queue needs: the entries in, the per-entry results out.
 * {@link sqsSendBatch} builds it from an SQSClient; unit tests pass a fake.
 */
export type SendBatch = (
  entries: SendMessageBatchRequestEntry[],
) => Promise<Pick<SendMessageBatchResult, "Successful" | "Failed">>;

/** A valid user that could not be put on the queue, and why. */
export interface UnsentUser {
  /** The 1-based line of the file where the user starts. */
  line: number;
  userId: string;
  /** The SQS error code and message of the last attempt, e.g. `InternalError: ...`. Never a method value. */
  reason: string;
}

/** What a {@link UserQueue} did with the users given to it. */
export interface FanoutCounts {
  /** Users accepted by SQS (one message each). */
  sent: number;
  /** Users given up on after their attempts (each reported through `onUnsent`). */
  failedToSend: number;
}
