import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SendBatch } from "./types.js";

/**
 * A {@link SendBatch} that calls SendMessageBatch on a real queue.
 *
 * @example
 * const queue = new UserQueue(sqsSendBatch(sqs, queueUrl), { source });
 */
export function sqsSendBatch(sqs: SQSClient, queueUrl: string): SendBatch {
  return async (entries) => {
    const { Successful, Failed } = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    return { Successful, Failed };
  };
}
