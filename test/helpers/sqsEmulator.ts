import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { startFauxqs } from "fauxqs";

/** Options of {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /** The work queue's RedrivePolicy maxReceiveCount. @default 5 */
  maxReceiveCount?: number;
  /** The work queue's visibility timeout, seconds. @default 360 (as the stack sets it) */
  visibilityTimeoutSeconds?: number;
}

/** A fauxqs server with a work queue and its dead-letter queue, as the stack wires them. */
export interface SqsEmulator {
  sqs: SQSClient;
  workQueueUrl: string;
  workQueueArn: string;
  workQueueName: string;
  dlqUrl: string;
  dlqName: string;
  /** Messages of the work queue: visible, in flight (with their visibility deadline) and delayed. */
  inspectWork(): {
    ready: number;
    inflight: { messageId: string; visibilityDeadline: number }[];
    delayed: number;
  };
  stop(): Promise<void>;
}

let queues = 0;

/**
 * Starts fauxqs on a random loopback port with a work queue whose RedrivePolicy points at a DLQ.
 *
 * @example
 * const emulator = await startSqsEmulator({ maxReceiveCount: 2 });
 * await sendBodies(emulator, bodies);
 */
export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const server = await startFauxqs({ port: 0, logger: false });
  const suffix = `${process.pid}-${++queues}`;
  const dlq = server.createQueue(`dlq-${suffix}`);
  const work = server.createQueue(`work-${suffix}`, {
    attributes: {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 360),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount ?? 5,
      }),
    },
  });
  const sqs = new SQSClient({
    endpoint: server.address,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  return {
    sqs,
    workQueueUrl: work.queueUrl,
    workQueueArn: work.queueArn,
    workQueueName: work.queueName,
    dlqUrl: dlq.queueUrl,
    dlqName: dlq.queueName,
    inspectWork() {
      const state = server.inspectQueue(work.queueName);
      if (!state) throw new Error("work queue is gone");
      return {
        ready: state.messages.ready.length,
        delayed: state.messages.delayed.length,
        inflight: state.messages.inflight.map((entry) => ({
          messageId: entry.message.messageId,
          visibilityDeadline: entry.visibilityDeadline,
        })),
      };
    },
    async stop() {
      sqs.destroy();
      await server.stop();
    },
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

/** One SQS message as the Lambda event source hands it to the function. */
function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? "0",
      SenderId: attributes.SenderId ?? "",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? "0",
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: "us-east-1",
  };
}

/** Receives up to `batchSize` visible messages as an SQS event (empty when none is visible now). */
export async function receiveEvent(emulator: SqsEmulator, batchSize = 10): Promise<SQSEvent> {
  const result = await emulator.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: emulator.workQueueUrl,
      MaxNumberOfMessages: batchSize,
      MessageSystemAttributeNames: ["All"],
      WaitTimeSeconds: 0,
    }),
  );
  return { Records: (result.Messages ?? []).map((message) => toRecord(message, emulator.workQueueArn)) };
}

/** What the event source does with a partial batch response: deletes every record not reported as failed. */
export async function settleEvent(
  emulator: SqsEmulator,
  event: SQSEvent,
  response: SQSBatchResponse,
): Promise<void> {
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const done = event.Records.filter((record) => !failed.has(record.messageId));
  for (let start = 0; start < done.length; start += 10) {
    await emulator.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: emulator.workQueueUrl,
        Entries: done
          .slice(start, start + 10)
          .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
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
  /** Give up (throw) when the queue is not empty after this long. @default 25_000 */
  timeoutMs?: number;
}

/**
 * Plays the Lambda event source until the work queue is empty: receive a batch, invoke, delete what the
 * partial batch response did not report, wait for records made visible again later.
 */
export async function runEventSource(
  emulator: SqsEmulator,
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: EventSourceOptions = {},
): Promise<{ invocations: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 25_000);
  let invocations = 0;
  const worker = async () => {
    for (;;) {
      if (Date.now() > deadline) throw new Error("runEventSource: the work queue did not empty in time");
      const event = await receiveEvent(emulator, options.batchSize ?? 10);
      if (event.Records.length === 0) {
        const state = emulator.inspectWork();
        if (state.ready + state.delayed + state.inflight.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      invocations++;
      await settleEvent(emulator, event, await invoke(event));
    }
  };
  await Promise.all(Array.from({ length: options.workers ?? 1 }, worker));
  return { invocations };
}
