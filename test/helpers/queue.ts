import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { LocalAws } from "../../lib/local/LocalAws.js";

/**
 * Receives and deletes every message on the queue, until a receive comes back empty, and returns their bodies
 * in the order received. For tests: the queue must not be fed at the same time.
 */
export async function receiveAllBodies(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    for (const message of Messages) bodies.push(message.Body ?? "");
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/**
 * Every message body on a local queue (ready, delayed or in flight), without receiving them: fast enough for
 * queues of tens of thousands of messages.
 */
export function peekAllBodies(aws: LocalAws, queueUrl: string): string[] {
  const queue = aws.inspectQueue(queueUrl);
  if (queue === undefined) throw new Error(`no queue ${queueUrl}`);
  return [...queue.ready, ...queue.delayed, ...queue.inFlight].map((message) => message.body);
}
