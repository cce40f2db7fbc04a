import type { Writable } from "node:stream";
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "../logging/Logger.js";
import { silentLogger } from "../logging/Logger.js";
import { fromDeadLetterAttributes } from "../messages/DeadLetter.js";
import { parseUserFactorsMessage } from "../messages/UserFactorsMessage.js";
import { CSV_BYTE_ORDER_MARK } from "../reports/csv.js";
import { DeadLetterExportError } from "./errors.js";
import type { FailedUser } from "./FailedUser.js";
import { FAILURES_CSV_HEADER, toFailuresCsvRow } from "./FailuresCsv.js";

/** Options of {@link exportDeadLetters}. */
export interface ExportDeadLettersOptions {
  /**
   * How long each read message stays hidden while the scan goes on, seconds. It must outlast the scan, or a
   * message comes back and is received twice (it is then de-duplicated by MessageId, not lost).
   * @default 900
   */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each ReceiveMessage, seconds (0 to 20). @default 1 */
  waitTimeSeconds?: number;
  /**
   * Consecutive empty receives after which the queue is taken as fully read. Real SQS may answer an empty
   * receive while messages remain on other servers; a long poll and a second empty answer make that unlikely.
   * @default 2
   */
  emptyReceivesToStop?: number;
  /**
   * Write the CSV header first, once SQS has answered (a queue that cannot be read leaves the output empty).
   * @default true
   */
  header?: boolean;
  /** Start the output with a UTF-8 byte-order mark (with the header), so that Excel reads it as UTF-8. @default false */
  byteOrderMark?: boolean;
  /** Called once per exported user, e.g. to count failures by user id. */
  onFailedUser?: (failed: FailedUser) => void;
  /** Stops the scan early (Ctrl-C): the messages read so far are released and the summary says `interrupted`. */
  signal?: AbortSignal;
  /** @default silentLogger */
  logger?: Logger;
}

/** What {@link exportDeadLetters} read. */
export interface DeadLetterExportSummary {
  /** Distinct messages written to the CSV. */
  exported: number;
  /** True when SQS's in-flight limit (about 120,000 messages) stopped the scan before the queue was read. */
  truncated: boolean;
  /** True when the signal stopped the scan before the queue was read. */
  interrupted: boolean;
  /** Messages whose visibility could not be reset (they return by themselves after the visibility timeout). */
  notReleased: number;
}

const SQS_BATCH = 10;

/**
 * Writes every message of a dead-letter queue as a failures CSV row (`user_id,line,status,errorCode,message,
 * attempts,failedAt,source_key`), leaving the messages in the queue for redrive: each message is hidden
 * while the scan runs (so each is read once), de-duplicated by MessageId, then made visible again at the end,
 * also when the scan fails. The methods in the bodies are never written.
 *
 * The writer is not ended: the caller owns it.
 *
 * @throws {@link DeadLetterExportError} when SQS fails during the scan (the messages read are released first).
 * @example
 * const out = createWriteStream("failures.csv");
 * const { exported } = await exportDeadLetters(sqs, dlqUrl, out);
 * out.end();
 */
export async function exportDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  writer: Writable,
  options: ExportDeadLettersOptions = {},
): Promise<DeadLetterExportSummary> {
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 900;
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const emptyReceivesToStop = options.emptyReceivesToStop ?? 2;
  const logger = options.logger ?? silentLogger;

  // MessageId → the latest receipt handle: only the latest one can change the message's visibility.
  const held = new Map<string, string>();
  let truncated = false;
  let exportError: DeadLetterExportError | undefined;

  let header = options.header ?? true;
  try {
    let empty = 0;
    while (empty < emptyReceivesToStop && !options.signal?.aborted) {
      let messages: Message[];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: SQS_BATCH,
            WaitTimeSeconds: waitTimeSeconds,
            VisibilityTimeout: visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: options.signal },
        );
        messages = response.Messages ?? [];
      } catch (error) {
        if (options.signal?.aborted) break;
        if (error instanceof Error && error.name === "OverLimit") {
          truncated = true;
          logger.warn({ exported: held.size }, "the DLQ's in-flight limit was reached: export is partial");
          break;
        }
        throw error;
      }
      empty = messages.length === 0 ? empty + 1 : 0;
      let rows = "";
      if (header) {
        rows = `${options.byteOrderMark ? CSV_BYTE_ORDER_MARK : ""}${FAILURES_CSV_HEADER}\r\n`;
        header = false;
      }
      for (const message of messages) {
        if (message.MessageId === undefined || message.ReceiptHandle === undefined) continue;
        const seen = held.has(message.MessageId);
        held.set(message.MessageId, message.ReceiptHandle);
        if (seen) continue;
        const failed = toFailedUser(message);
        options.onFailedUser?.(failed);
        rows += `${toFailuresCsvRow(failed)}\r\n`;
      }
      if (rows) await write(writer, rows);
    }
  } catch (error) {
    exportError = new DeadLetterExportError(dlqUrl, held.size, { cause: error });
  }
  const notReleased = await release(sqs, dlqUrl, held);
  if (notReleased > 0)
    logger.warn({ notReleased }, "some DLQ messages stay hidden until their visibility timeout");
  if (exportError) throw exportError;
  const interrupted = options.signal?.aborted ?? false;
  logger.info({ exported: held.size, truncated, interrupted }, "DLQ exported");
  return { exported: held.size, truncated, interrupted, notReleased };
}

/** Reads one DLQ message into a report row: the reason from its attributes, who and where from its body. */
export function toFailedUser(message: Message): FailedUser {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 0);
  const reason = fromDeadLetterAttributes(message.MessageAttributes, receiveCount);
  let userId = reason.userId;
  let line = reason.sourceLine;
  let sourceKey = reason.sourceKey;
  if (userId === undefined || line === undefined || sourceKey === undefined) {
    try {
      const body = parseUserFactorsMessage(message.Body ?? "");
      userId ??= body.userId;
      line ??= body.line;
      sourceKey ??= body.source.key;
    } catch {
      // A malformed body names nobody: the row keeps what the attributes said.
    }
  }
  return { messageId: message.MessageId ?? "", userId: userId ?? "", line, sourceKey, reason };
}

/** Writes and waits until the chunk is handled, so a failing writer stops the scan at once. */
function write(writer: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    writer.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** Makes every held message visible again, 10 a call; returns how many could not be. */
async function release(sqs: SQSClient, queueUrl: string, held: Map<string, string>): Promise<number> {
  const handles = [...held.values()];
  let failed = 0;
  for (let start = 0; start < handles.length; start += SQS_BATCH) {
    const entries = handles
      .slice(start, start + SQS_BATCH)
      .map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: 0 }));
    try {
      const response = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
      );
      failed += response.Failed?.length ?? 0;
    } catch {
      failed += entries.length;
    }
  }
  return failed;
}
