import type { SQSRecord } from "aws-lambda";
import type { ApplyQueue, RedeliveryEntry } from "../../lib/apply/types.js";
import type { AuthenticationMethod, UserFactors } from "../../lib/factors/types.js";
import { toSqsRecord } from "../../lib/local/sqsRecord.js";
import type { DeadLetterReason } from "../../lib/messages/DeadLetter.js";
import type { RecordHistory } from "../../lib/messages/RecordHistory.js";
import { type MessageSource, toUserFactorsMessage } from "../../lib/messages/UserFactorsMessage.js";

/** The source file every test message claims to come from. */
export const TEST_SOURCE: MessageSource = { bucket: "factor-sync-input", key: "incoming/2026/users.csv" };

/** The queue ARN test records come from (fauxqs's default account and region). */
export const TEST_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:work";

/** A user with a TOTP and a phone factor, distinct per `n`. */
export function userFactors(n: number, methods?: AuthenticationMethod[]): UserFactors {
  const secret = `JBSWY3DPEHPK3P${"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26]}${"234567"[n % 6]}`;
  return {
    userId: `auth0|user-${n}`,
    line: n + 2,
    methods: methods ?? [
      { type: "totp", totp_secret: secret },
      { type: "phone", phone_number: `+1415555${String(1000 + (n % 9000)).padStart(4, "0")}` },
    ],
  };
}

/** The message body ingest would send for a user. */
export function messageBody(user: UserFactors): string {
  return JSON.stringify(toUserFactorsMessage(user, TEST_SOURCE));
}

/** Options of {@link sqsRecord}. */
export interface SqsRecordOptions {
  messageId?: string;
  receiveCount?: number;
}

/** A complete SQS record as the event source delivers it (built by the local runtime's own builder). */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  const messageId = options.messageId ?? `msg-${Math.random().toString(36).slice(2, 10)}`;
  return toSqsRecord(
    {
      MessageId: messageId,
      ReceiptHandle: `rh-${messageId}`,
      Body: body,
      Attributes: {
        ApproximateReceiveCount: String(options.receiveCount ?? 1),
        // The ManualClock's start: a record sent when the test begins.
        SentTimestamp: String(Date.UTC(2026, 10, 29, 18, 0, 0)),
        SenderId: "AIDAEXAMPLE",
        ApproximateFirstReceiveTimestamp: String(Date.UTC(2026, 10, 29, 18, 0, 0) + 100),
      },
    },
    TEST_QUEUE_ARN,
  );
}

/** A record carrying one user's message. */
export function userRecord(n: number, options: SqsRecordOptions = {}): SQSRecord {
  return sqsRecord(messageBody(userFactors(n)), { messageId: `msg-${n}`, ...options });
}

/** An {@link ApplyQueue} that remembers what it was asked to do (for unit tests of applyBatch and settleBatch). */
export class RecordingApplyQueue implements ApplyQueue {
  public readonly deadLetters: { messageId: string; body: string; reason: DeadLetterReason }[] = [];
  public readonly redeliveries: { messageId: string; delaySeconds: number }[] = [];
  public readonly requeued: {
    messageId: string;
    body: string;
    delaySeconds: number;
    history: RecordHistory;
  }[] = [];
  public failDeadLetters = false;
  public failRequeues = false;
  /** Makes `delayRedelivery` throw, though {@link SqsApplyQueue}'s never does: settle must survive it. */
  public failRedeliveries = false;

  public async deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<void> {
    if (this.failDeadLetters)
      throw Object.assign(new Error("SQS is unavailable"), { name: "ServiceUnavailable" });
    this.deadLetters.push({ messageId: record.messageId, body: record.body, reason });
  }

  public async requeue(record: SQSRecord, delaySeconds: number, history: RecordHistory): Promise<void> {
    if (this.failRequeues)
      throw Object.assign(new Error("SQS is unavailable"), { name: "ServiceUnavailable" });
    this.requeued.push({ messageId: record.messageId, body: record.body, delaySeconds, history });
  }

  public async delayRedelivery(entries: RedeliveryEntry[]): Promise<void> {
    if (this.failRedeliveries)
      throw Object.assign(new Error("SQS is unavailable"), { name: "ServiceUnavailable" });
    for (const entry of entries) {
      this.redeliveries.push({ messageId: entry.record.messageId, delaySeconds: entry.delaySeconds });
    }
  }
}
