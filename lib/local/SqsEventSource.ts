import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { PIPELINE_DEFAULTS } from "../config/defaults.js";
import type { Logger } from "../logging/Logger.js";
import { silentLogger } from "../logging/Logger.js";
import { backoffDelayMs } from "../pacing/backoff.js";
import { readBatchResponse } from "./batchResponse.js";
import { EventSourceError, LocalRunOptionsError } from "./errors.js";
import { toSqsRecord } from "./sqsRecord.js";

/** The part of Lambda's context object the handlers use. */
export interface InvocationContext {
  awsRequestId: string;
  functionName: string;
  /** Milliseconds left before the function timeout, counting down from the configured timeout. */
  getRemainingTimeInMillis(): number;
}

/**
 * A function the event source invokes with a batch. Its response is read as Lambda reads a partial batch
 * response (`{ batchItemFailures: [{ itemIdentifier }] }`); throwing fails the whole batch.
 */
export type SqsBatchHandler = (event: SQSEvent, context: InvocationContext) => Promise<unknown>;

/** How one invocation ended. */
export interface InvocationReport {
  requestId: string;
  /** Records in the batch. */
  records: number;
  /** Records deleted from the queue (they succeeded). */
  deleted: number;
  /** Records left in the queue for redelivery (or for SQS to dead-letter after maxReceiveCount). */
  failed: number;
  /** `success`, `partial` (some batch item failures), or a whole-batch failure: `error`, `timeout`, `invalid-response`. */
  outcome: "success" | "partial" | "error" | "timeout" | "invalid-response";
  /** What went wrong, for the whole-batch failures. */
  reason?: string;
}

/** Counters over the event source's life. */
export interface EventSourceStats {
  invocations: number;
  records: number;
  deleted: number;
  /** Records left for redelivery, counted once per invocation that failed them. */
  failedRecords: number;
  /** Invocations that failed their whole batch (threw, timed out or answered an invalid response). */
  batchFailures: number;
  /** True when the source stopped because the queue was drained after the producer finished. */
  drained: boolean;
}

/** Options of {@link SqsEventSource}. Defaults mirror the CDK stack's event source mapping. */
export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Put in each record's `eventSourceARN` (its region in `awsRegion`). */
  queueArn: string;
  /** The function, shared by every poller. Give this or `createHandler`. */
  handler?: SqsBatchHandler;
  /**
   * Builds one function instance per poller, as Lambda runs each concurrent invocation in its own container
   * (with its own token cache and pacer). Give this or `handler`.
   */
  createHandler?: (poller: number) => SqsBatchHandler;
  /** Records per invocation, 1 to 10,000. @default PIPELINE_DEFAULTS.batchSize */
  batchSize?: number;
  /** How long a poller may wait to fill a batch, seconds (0 to 300). @default PIPELINE_DEFAULTS.maxBatchingWindowSeconds */
  maxBatchingWindowSeconds?: number;
  /** Concurrent pollers, each invoking one batch at a time (the mapping's MaximumConcurrency). @default PIPELINE_DEFAULTS.maxConcurrency */
  maxConcurrency?: number;
  /** The function timeout, seconds: the context counts down from it, and a batch still running then fails. @default PIPELINE_DEFAULTS.applyTimeoutSeconds */
  functionTimeoutSeconds?: number;
  /** Long-poll wait of an idle poller, seconds (1 to 20): also how quickly `stop()` is honoured. @default 1 */
  pollWaitSeconds?: number;
  /** Consecutive SQS failures of one poller before the source gives up. @default 5 */
  maxConsecutiveErrors?: number;
  /** @default "apply" */
  functionName?: string;
  /** Called after each invocation (progress, counting). */
  onInvocation?: (report: InvocationReport) => void;
  /** @default silentLogger */
  logger?: Logger;
  /** @default Date.now */
  clock?: () => number;
}

const SQS_BATCH = 10;

function checkRange(option: string, value: number, min: number, max: number, integer = true): void {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new LocalRunOptionsError(
      option,
      `must be ${integer ? "an integer " : ""}from ${min} to ${max}, got ${value}`,
    );
  }
}

/**
 * Lambda's SQS event source mapping on one machine: up to `maxConcurrency` pollers receive batches (batch size
 * and batching window), invoke the handler with real-looking `SQSEvent` records and a counting-down context,
 * delete the records that succeeded (DeleteMessageBatch) and leave the batch item failures, or the whole batch
 * when the handler throws or times out, to the queue's visibility timeout and redrive policy.
 *
 * It stops on {@link SqsEventSource.stop}, or by itself once the producer has finished
 * ({@link SqsEventSource.finishWhenDrained}) and the queue holds nothing visible, in flight or delayed with
 * no invocation running.
 *
 * @example
 * const source = new SqsEventSource({ sqs, queueUrl, queueArn, handler: applyHandler });
 * source.start();
 * await ingest(...); // the producer
 * const stats = await source.finishWhenDrained();
 */
export class SqsEventSource {
  readonly #options: Required<Omit<SqsEventSourceOptions, "onInvocation" | "handler" | "createHandler">> &
    Pick<SqsEventSourceOptions, "onInvocation">;
  readonly #createHandler: (poller: number) => SqsBatchHandler;
  readonly #stats: EventSourceStats = {
    invocations: 0,
    records: 0,
    deleted: 0,
    failedRecords: 0,
    batchFailures: 0,
    drained: false,
  };
  #pollers: Promise<void> | undefined;
  #stopping = false;
  #producerFinished = false;
  #running = 0;
  #failure: EventSourceError | undefined;
  #stepHandler: SqsBatchHandler | undefined;

  public constructor(options: SqsEventSourceOptions) {
    this.#options = {
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      queueArn: options.queueArn,
      batchSize: options.batchSize ?? PIPELINE_DEFAULTS.batchSize,
      maxBatchingWindowSeconds:
        options.maxBatchingWindowSeconds ?? PIPELINE_DEFAULTS.maxBatchingWindowSeconds,
      maxConcurrency: options.maxConcurrency ?? PIPELINE_DEFAULTS.maxConcurrency,
      functionTimeoutSeconds: options.functionTimeoutSeconds ?? PIPELINE_DEFAULTS.applyTimeoutSeconds,
      pollWaitSeconds: options.pollWaitSeconds ?? 1,
      maxConsecutiveErrors: options.maxConsecutiveErrors ?? 5,
      functionName: options.functionName ?? "apply",
      onInvocation: options.onInvocation,
      logger: options.logger ?? silentLogger,
      clock: options.clock ?? Date.now,
    };
    const { handler, createHandler } = options;
    if ((handler === undefined) === (createHandler === undefined)) {
      throw new LocalRunOptionsError("handler", "or createHandler must be given, and not both");
    }
    this.#createHandler = createHandler ?? (() => handler as SqsBatchHandler);
    const o = this.#options;
    checkRange("batchSize", o.batchSize, 1, 10_000);
    checkRange("maxBatchingWindowSeconds", o.maxBatchingWindowSeconds, 0, 300, false);
    checkRange("maxConcurrency", o.maxConcurrency, 1, 1000);
    checkRange("functionTimeoutSeconds", o.functionTimeoutSeconds, 1, 900, false);
    checkRange("pollWaitSeconds", o.pollWaitSeconds, 1, 20);
    checkRange("maxConsecutiveErrors", o.maxConsecutiveErrors, 1, 1000);
  }

  /** A copy of the counters so far. */
  public get stats(): EventSourceStats {
    return { ...this.#stats };
  }

  /** Invocations running now. */
  public get running(): number {
    return this.#running;
  }

  /** Starts the pollers (once). */
  public start(): void {
    if (this.#pollers) return;
    const pollers = Array.from({ length: this.#options.maxConcurrency }, (_, index) => this.#poll(index));
    this.#pollers = Promise.all(pollers).then(() => undefined);
  }

  /**
   * Says the producer has finished sending and waits until the queue is drained (or {@link stop} is called).
   *
   * @throws {@link EventSourceError} when SQS kept failing.
   */
  public async finishWhenDrained(): Promise<EventSourceStats> {
    this.#producerFinished = true;
    this.start();
    return this.#settle();
  }

  /** Stops receiving, waits for the running invocations (and their deletes), and returns the counters. */
  public async stop(): Promise<EventSourceStats> {
    this.#stopping = true;
    return this.#settle();
  }

  async #settle(): Promise<EventSourceStats> {
    await this.#pollers;
    if (this.#failure) throw this.#failure;
    return this.stats;
  }

  async #poll(index: number): Promise<void> {
    const { logger, maxConsecutiveErrors, queueUrl } = this.#options;
    const handler = this.#createHandler(index);
    let errors = 0;
    while (!this.#stopping) {
      try {
        const messages = await this.#receiveBatch();
        errors = 0;
        if (this.#stopping) {
          await this.#release(messages);
          break;
        }
        if (messages.length > 0) {
          await this.#invoke(handler, messages);
        } else if (this.#producerFinished && this.#running === 0 && (await this.#isEmpty())) {
          this.#stats.drained = true;
          this.#stopping = true;
        }
      } catch (error) {
        errors += 1;
        logger.warn({ poller: index, errors, error: describe(error) }, "SQS call of the event source failed");
        if (errors >= maxConsecutiveErrors) {
          this.#failure ??= new EventSourceError(queueUrl, errors, { cause: error });
          this.#stopping = true;
          break;
        }
        await delay(backoffDelayMs(errors + 1, { baseMs: 200, maxMs: 5_000, jitter: "none" }));
      }
    }
  }

  /** Receives up to a batch: a long poll, then more receives until the batch is full or the window closes. */
  async #receiveBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowSeconds, pollWaitSeconds, clock } = this.#options;
    const batch = await this.#receive(Math.min(SQS_BATCH, batchSize), pollWaitSeconds);
    if (batch.length === 0) return batch;
    const windowEnd = clock() + maxBatchingWindowSeconds * 1000;
    while (batch.length < batchSize && !this.#stopping) {
      const left = windowEnd - clock();
      if (left <= 0) break;
      const wait = Math.min(20, Math.ceil(left / 1000));
      const more = await this.#receive(Math.min(SQS_BATCH, batchSize - batch.length), wait);
      batch.push(...more);
    }
    return batch;
  }

  async #receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    const response = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return response.Messages ?? [];
  }

  /**
   * One poller's step, for tests that go delivery by delivery: receives one batch (a long poll of
   * `pollWaitSeconds`, then the batching window), invokes the handler (the first from `createHandler`) and
   * deletes or leaves its records exactly as the pollers do. Returns the invocation's report, or undefined when
   * nothing was received. Not while the pollers run.
   *
   * @throws {@link LocalRunOptionsError} after {@link start}.
   */
  public async pollOnce(): Promise<InvocationReport | undefined> {
    if (this.#pollers) throw new LocalRunOptionsError("pollOnce", "cannot be used once the pollers run");
    this.#stepHandler ??= this.#createHandler(0);
    const messages = await this.#receiveBatch();
    if (messages.length === 0) return undefined;
    return this.#invoke(this.#stepHandler, messages);
  }

  async #invoke(handler: SqsBatchHandler, messages: Message[]): Promise<InvocationReport> {
    const { functionName, functionTimeoutSeconds, clock, logger, queueArn } = this.#options;
    const requestId = randomUUID();
    const records = messages.map((message) => toSqsRecord(message, queueArn));
    const deadline = clock() + functionTimeoutSeconds * 1000;
    const context: InvocationContext = {
      awsRequestId: requestId,
      functionName,
      getRemainingTimeInMillis: () => Math.max(0, deadline - clock()),
    };
    this.#running += 1;
    let report: InvocationReport;
    try {
      const settled = await runWithTimeout(
        () => handler({ Records: records }, context),
        functionTimeoutSeconds * 1000,
      );
      const ids = records.map((record) => record.messageId);
      if (settled.kind === "timeout") {
        report = wholeBatch(
          requestId,
          records.length,
          "timeout",
          `timed out after ${functionTimeoutSeconds} s`,
        );
      } else if (settled.kind === "error") {
        report = wholeBatch(requestId, records.length, "error", describe(settled.error));
      } else {
        const verdict = readBatchResponse(settled.value, ids);
        if (verdict.kind === "whole-batch") {
          report = wholeBatch(requestId, records.length, "invalid-response", verdict.reason);
        } else {
          const succeeded = messages.filter((message) => !verdict.messageIds.has(message.MessageId ?? ""));
          await this.#delete(succeeded);
          const failed = verdict.messageIds.size;
          report = {
            requestId,
            records: records.length,
            deleted: succeeded.length,
            failed,
            outcome: failed === 0 ? "success" : "partial",
          };
        }
      }
    } finally {
      this.#running -= 1;
    }
    if (report.reason !== undefined) {
      logger.error(
        { requestId, records: report.records, outcome: report.outcome, reason: report.reason },
        "invocation failed its whole batch: the messages return after the visibility timeout",
      );
    }
    this.#stats.invocations += 1;
    this.#stats.records += report.records;
    this.#stats.deleted += report.deleted;
    this.#stats.failedRecords += report.failed;
    if (report.reason !== undefined) this.#stats.batchFailures += 1;
    this.#options.onInvocation?.(report);
    return report;
  }

  async #delete(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const entries = messages
        .slice(start, start + SQS_BATCH)
        .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));
      const response = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.#options.queueUrl, Entries: entries }),
      );
      if (response.Failed?.length) {
        // As on Lambda: a message whose delete failed is received again and processed again.
        this.#options.logger.warn(
          { failed: response.Failed.length },
          "some processed messages could not be deleted",
        );
      }
    }
  }

  /** Gives messages received after a stop back to the queue at once, rather than after the visibility timeout. */
  async #release(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const entries = messages.slice(start, start + SQS_BATCH).map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }));
      await this.#options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#options.queueUrl, Entries: entries }),
      );
    }
  }

  async #isEmpty(): Promise<boolean> {
    const response = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.#options.queueUrl,
        AttributeNames: [
          "ApproximateNumberOfMessages",
          "ApproximateNumberOfMessagesNotVisible",
          "ApproximateNumberOfMessagesDelayed",
        ],
      }),
    );
    const attributes = response.Attributes ?? {};
    const total =
      Number(attributes.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0);
    return total === 0 && this.#running === 0;
  }
}

type Settled = { kind: "value"; value: unknown } | { kind: "error"; error: unknown } | { kind: "timeout" };

/**
 * Runs the handler with a deadline. On Lambda the runtime is frozen at the timeout; here the handler's promise
 * is left to finish on its own and its result is ignored, as Lambda ignores it.
 */
async function runWithTimeout(run: () => Promise<unknown>, timeoutMs: number): Promise<Settled> {
  const timer = new AbortController();
  const outcome = Promise.resolve()
    .then(run)
    .then(
      (value): Settled => ({ kind: "value", value }),
      (error: unknown): Settled => ({ kind: "error", error }),
    );
  const timeout = delay(timeoutMs, { kind: "timeout" } as Settled, {
    signal: timer.signal,
    ref: false,
  }).catch((): Settled => ({ kind: "timeout" }));
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    timer.abort();
  }
}

function wholeBatch(
  requestId: string,
  records: number,
  outcome: "error" | "timeout" | "invalid-response",
  reason: string,
): InvocationReport {
  return { requestId, records, deleted: 0, failed: records, outcome, reason };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
