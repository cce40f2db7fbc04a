import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

/**
 * What a work-queue record has been through, carried as message attributes when apply sends it back to the
 * work queue (a requeue restarts SQS's receive count, so the count cannot carry it): a user's own transient
 * failures still reach the DLQ after its real attempts, and the work's age is still known.
 */
export interface RecordHistory {
  /** Real PUT attempts that failed transiently (429s, probes and held records not counted), over all receives. */
  attempts: number;
  /** When the first of those attempts failed, epoch ms. */
  firstFailureAtMs?: number;
  /** When ingest first sent the user's message, epoch ms (the first message's `SentTimestamp`). */
  firstSentAtMs: number;
  /** Times the record was sent back without a real attempt (circuit open, configuration error, 429 pause). */
  holds: number;
}

const ATTEMPTS = "fs-attempts";
const FIRST_FAILURE = "fs-first-failure-at";
const FIRST_SENT = "fs-first-sent-at";
const HOLDS = "fs-holds";

function readNumber(record: SQSRecord, name: string): number | undefined {
  const value = Number(record.messageAttributes?.[name]?.stringValue);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The history of a record: from its attributes when apply requeued it before, otherwise a fresh one whose
 * `firstSentAtMs` is the message's own `SentTimestamp`.
 *
 * @example
 * const history = readRecordHistory(record); // { attempts: 0, firstSentAtMs: 1764590590000, holds: 0 }
 */
export function readRecordHistory(record: SQSRecord, nowMs = Date.now()): RecordHistory {
  const sent = Number(record.attributes?.SentTimestamp);
  const firstSentAtMs = readNumber(record, FIRST_SENT) ?? (Number.isFinite(sent) && sent > 0 ? sent : nowMs);
  const firstFailureAtMs = readNumber(record, FIRST_FAILURE);
  return {
    attempts: Math.floor(readNumber(record, ATTEMPTS) ?? 0),
    ...(firstFailureAtMs === undefined ? {} : { firstFailureAtMs }),
    firstSentAtMs,
    holds: Math.floor(readNumber(record, HOLDS) ?? 0),
  };
}

/**
 * The message attributes that carry a history on the requeued message (4 of SQS's 10).
 *
 * @example
 * await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: record.body, DelaySeconds: 30,
 *   MessageAttributes: toHistoryAttributes({ ...history, holds: history.holds + 1 }) }));
 */
export function toHistoryAttributes(history: RecordHistory): Record<string, MessageAttributeValue> {
  const number = (value: number): MessageAttributeValue => ({
    DataType: "Number",
    StringValue: String(value),
  });
  return {
    [ATTEMPTS]: number(history.attempts),
    ...(history.firstFailureAtMs === undefined ? {} : { [FIRST_FAILURE]: number(history.firstFailureAtMs) }),
    [FIRST_SENT]: number(history.firstSentAtMs),
    [HOLDS]: number(history.holds),
  };
}
