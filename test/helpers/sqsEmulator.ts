import {
  DeleteMessageBatchCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { type LocalAws, type QueueContents, startLocalAws } from "../../lib/local/LocalAws.js";
import {
  type InvocationContext,
  type InvocationReport,
  type SqsBatchHandler,
  SqsEventSource,
} from "../../lib/local/SqsEventSource.js";

/** Options of {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /** The work queue's RedrivePolicy maxReceiveCount. @default 5 */
  maxReceiveCount?: number;
  /** The work queue's visibility timeout, seconds. @default 360 (as the stack sets it) */
  visibilityTimeoutSeconds?: number;
}

/** The local AWS's work queue and its dead-letter queue, as the stack wires them. */
export interface SqsEmulator {
  aws: LocalAws;
  sqs: SQSClient;
  workQueueUrl: string;
  workQueueArn: string;
  dlqUrl: string;
  /** Messages of the work queue: visible, in flight (with when each is visible again) and delayed. */
  inspectWork(): QueueContents;
  stop(): Promise<void>;
}

/**
 * Starts {@link startLocalAws} with the given work-queue settings.
 *
 * @example
 * const emulator = await startSqsEmulator({ maxReceiveCount: 2 });
 * await sendBodies(emulator, bodies);
 */
export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const aws = await startLocalAws({
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 360,
  });
  return {
    aws,
    sqs: aws.sqs,
    workQueueUrl: aws.workQueue.url,
    workQueueArn: aws.workQueue.arn,
    dlqUrl: aws.dlq.url,
    inspectWork() {
      const contents = aws.inspectQueue(aws.workQueue.url);
      if (!contents) throw new Error("work queue is gone");
      return contents;
    },
    stop: () => aws.stop(),
  };
}

/** Sends message bodies to the work queue, ten a call; returns their message ids in order. */
export async function sendBodies(emulator: SqsEmulator, bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const result = await emulator.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: emulator.workQueueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if (result.Failed?.length)
      throw new Error(`SendMessageBatch failed for ${result.Failed.length} messages`);
    const byId = new Map((result.Successful ?? []).map((entry) => [entry.Id, entry.MessageId ?? ""]));
    ids.push(...chunk.map((_body, index) => byId.get(String(index)) ?? ""));
  }
  return ids;
}

/** A dead-lettered message: its body and its attributes as strings. */
export interface DeadLetteredMessage {
  body: string;
  attributes: Record<string, string>;
}

/** Reads (and deletes) every message of the DLQ. */
export async function drainDeadLetters(emulator: SqsEmulator): Promise<DeadLetteredMessage[]> {
  const drained: DeadLetteredMessage[] = [];
  for (;;) {
    const result = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: emulator.dlqUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ["All"],
        WaitTimeSeconds: 0,
      }),
    );
    const messages = result.Messages ?? [];
    if (messages.length === 0) return drained;
    for (const message of messages)
      drained.push({ body: message.Body ?? "", attributes: strings(message.MessageAttributes) });
    await emulator.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: emulator.dlqUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? "",
        })),
      }),
    );
  }
}

function strings(attributes: Record<string, MessageAttributeValue> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [name, value.StringValue ?? ""]),
  );
}

/** Options of {@link runEventSource}. */
export interface EventSourceOptions {
  /** Concurrent invocations (MaximumConcurrency). @default 1 */
  workers?: number;
  /** Records per invocation. @default 10 */
  batchSize?: number;
}

function eventSource(emulator: SqsEmulator, handler: SqsBatchHandler, options: EventSourceOptions = {}) {
  return new SqsEventSource({
    sqs: emulator.sqs,
    queueUrl: emulator.workQueueUrl,
    queueArn: emulator.workQueueArn,
    handler,
    maxConcurrency: options.workers ?? 1,
    batchSize: options.batchSize ?? 10,
    maxBatchingWindowSeconds: 0,
  });
}

/**
 * Runs the local runtime's {@link SqsEventSource} (the one `run` ships) on the work queue until it is drained:
 * nothing visible, in flight or delayed.
 */
export async function runEventSource(
  emulator: SqsEmulator,
  handler: SqsBatchHandler,
  options: EventSourceOptions = {},
): Promise<{ invocations: number }> {
  const stats = await eventSource(emulator, handler, options).finishWhenDrained();
  return { invocations: stats.invocations };
}

/** One delivery: the batch the handler got, its response, and how the event source settled it. */
export interface Delivery {
  event: SQSEvent;
  response: SQSBatchResponse;
  report: InvocationReport;
}

/**
 * Has the {@link SqsEventSource} receive one batch, invoke the handler (with `context` instead of the event
 * source's own when given) and settle it; throws when the queue had nothing to deliver.
 */
export async function deliverOnce(
  emulator: SqsEmulator,
  handler: (event: SQSEvent, context: InvocationContext) => Promise<SQSBatchResponse>,
  context?: InvocationContext | Pick<InvocationContext, "getRemainingTimeInMillis">,
): Promise<Delivery> {
  let seen: { event: SQSEvent; response: SQSBatchResponse } | undefined;
  const source = eventSource(emulator, async (event, ownContext) => {
    const response = await handler(event, { ...ownContext, ...context });
    seen = { event, response };
    return response;
  });
  const report = await source.pollOnce();
  if (report === undefined || seen === undefined) throw new Error("deliverOnce: nothing was delivered");
  return { ...seen, report };
}
