import type { MessageAttributeValue } from "@aws-sdk/client-sqs";

/**
 * Why a user ended in the dead-letter queue. Carried as SQS message attributes next to the original,
 * unchanged body, so that `dlq-export` can report it and `dlq-redrive` can replay the body as it was.
 */
export interface DeadLetterReason {
  /** HTTP status from Auth0 (`"404"`), or `malformed`, `network`, `timeout` when there was none. */
  status: string;
  /** Auth0's `errorCode` when it sent one. */
  errorCode?: string;
  /** Auth0's `message`, or ours. Never contains a TOTP secret. */
  message: string;
  /**
   * PUTs sent (429s not counted) in the receive that gave up, not across all receives: earlier receives'
   * tries are not carried in the message. 0 for a malformed body or a record the time budget left untried.
   * For a message SQS moved by itself (no recorded reason), its receive count.
   */
  attempts: number;
  /** When the user was given up on, ISO 8601. */
  failedAt: string;
  /** The input object key and line, when the body could be read. */
  sourceKey?: string;
  sourceLine?: number;
  userId?: string;
}

const FIELDS = [
  "status",
  "errorCode",
  "message",
  "attempts",
  "failedAt",
  "sourceKey",
  "sourceLine",
  "userId",
] as const;

/** SQS caps a message at 10 attributes and 256 KiB; Auth0 messages are short, but cap ours anyway. */
const MAX_ATTRIBUTE_LENGTH = 1024;

/**
 * Encodes a reason as SQS message attributes (all of DataType String; absent fields are left out).
 *
 * @example
 * await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: record.body,
 *   MessageAttributes: toDeadLetterAttributes(reason) }));
 */
export function toDeadLetterAttributes(reason: DeadLetterReason): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const field of FIELDS) {
    const value = reason[field];
    if (value === undefined || value === "") continue;
    attributes[field] = { DataType: "String", StringValue: String(value).slice(0, MAX_ATTRIBUTE_LENGTH) };
  }
  return attributes;
}

/**
 * Decodes the attributes written by {@link toDeadLetterAttributes}. A message that SQS moved by itself
 * (the function crashed or timed out on every receive) has none: its reason says so.
 *
 * @example
 * const reason = fromDeadLetterAttributes(message.MessageAttributes, Number(message.Attributes?.ApproximateReceiveCount));
 */
export function fromDeadLetterAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  receiveCount = 0,
): DeadLetterReason {
  const get = (name: (typeof FIELDS)[number]) => attributes?.[name]?.StringValue;
  const status = get("status");
  if (status === undefined) {
    return {
      status: "unknown",
      message:
        "moved to the DLQ by SQS after its last receive, without a recorded reason (the function crashed or timed out)",
      attempts: receiveCount,
      failedAt: "",
    };
  }
  const line = get("sourceLine");
  return {
    status,
    errorCode: get("errorCode"),
    message: get("message") ?? "",
    attempts: Number(get("attempts") ?? 0),
    failedAt: get("failedAt") ?? "",
    sourceKey: get("sourceKey"),
    sourceLine: line === undefined ? undefined : Number(line),
    userId: get("userId"),
  };
}
