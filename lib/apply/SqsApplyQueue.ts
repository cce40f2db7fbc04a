import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import type { Logger } from "../logging/Logger.js";
import { type DeadLetterReason, toDeadLetterAttributes } from "../messages/DeadLetter.js";
import { type RecordHistory, toHistoryAttributes } from "../messages/RecordHistory.js";
import { queueUrlFromArn } from "./queueUrlFromArn.js";
import type { ApplyQueue, RedeliveryEntry } from "./types.js";

/** Options of {@link SqsApplyQueue}. */
export interface SqsApplyQueueOptions {
  sqs: SQSClient;
  /** The dead-letter queue (the work queue's redrive target). */
  dlqUrl: string;
  logger: Logger;
  /** The work queue's URL. @default derived from each record's `eventSourceARN` */
  queueUrl?: string;
}

/**
 * {@link ApplyQueue} over SQS: SendMessage to the DLQ with the original body and the reason as attributes,
 * SendMessage of the original body back to the work queue with its history (a held record), and
 * ChangeMessageVisibilityBatch on the work queue for records returned as batch item failures.
 *
 * @example
 * const queue = new SqsApplyQueue({ sqs: new SQSClient({}), dlqUrl: process.env.DLQ_URL, logger });
 */
export class SqsApplyQueue implements ApplyQueue {
  readonly #options: SqsApplyQueueOptions;

  public constructor(options: SqsApplyQueueOptions) {
    this.#options = options;
  }

  /** @throws the SDK's error when the DLQ cannot be written: the caller must keep the record then. */
  public async deadLetter(record: SQSRecord, reason: DeadLetterReason): Promise<void> {
    await this.#options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#options.dlqUrl,
        MessageBody: record.body,
        MessageAttributes: toDeadLetterAttributes(reason),
      }),
    );
  }

  /** @throws the SDK's error (or a bad `eventSourceARN`): the caller must keep the record then. */
  public async requeue(record: SQSRecord, delaySeconds: number, history: RecordHistory): Promise<void> {
    await this.#options.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#options.queueUrl ?? queueUrlFromArn(record.eventSourceARN),
        MessageBody: record.body,
        DelaySeconds: delaySeconds,
        MessageAttributes: toHistoryAttributes(history),
      }),
    );
  }

  /** Never throws: a record whose visibility could not be changed is still redelivered, only later. */
  public async delayRedelivery(entries: RedeliveryEntry[]): Promise<void> {
    const byQueue = new Map<string, RedeliveryEntry[]>();
    for (const entry of entries) {
      let url: string;
      try {
        url = this.#options.queueUrl ?? queueUrlFromArn(entry.record.eventSourceARN);
      } catch (error) {
        this.#options.logger.warn(
          { messageId: entry.record.messageId, error: String(error) },
          "no queue URL",
        );
        continue;
      }
      byQueue.set(url, [...(byQueue.get(url) ?? []), entry]);
    }
    for (const [queueUrl, queued] of byQueue) {
      for (let start = 0; start < queued.length; start += 10) {
        const chunk = queued.slice(start, start + 10);
        try {
          const result = await this.#options.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((entry, index) => ({
                Id: String(index),
                ReceiptHandle: entry.record.receiptHandle,
                VisibilityTimeout: entry.delaySeconds,
              })),
            }),
          );
          if (result.Failed?.length) {
            this.#options.logger.warn(
              { failed: result.Failed.length, codes: result.Failed.map((failure) => failure.Code) },
              "visibility not changed for some records; they come back after the full visibility timeout",
            );
          }
        } catch (error) {
          this.#options.logger.warn(
            { records: chunk.length, error: error instanceof Error ? error.name : "unknown" },
            "visibility not changed; records come back after the full visibility timeout",
          );
        }
      }
    }
  }
}
