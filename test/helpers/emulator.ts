import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { type LocalAws, startLocalAws } from "../../lib/local/LocalAws.js";

/** The local AWS (fauxqs: S3 + SQS) with one more bucket and one more queue, and real SDK clients for it. */
export interface Emulator {
  aws: LocalAws;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  queueUrl: string;
  queueName: string;
  /** Creates another queue (named `<queueName>-<n>`) and returns its URL: one per test keeps tests apart. */
  newQueue(attributes?: Record<string, string>): Promise<string>;
  /** Destroys the clients and stops the emulators. */
  stop(): Promise<void>;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** @default "factor-sync-test" */
  bucket?: string;
  /** @default "work" */
  queueName?: string;
  /** Attributes of the queue, e.g. `{ VisibilityTimeout: "0" }`. @default none */
  queueAttributes?: Record<string, string>;
}

/**
 * Starts {@link startLocalAws} with a bucket and a queue of the test's own. Call `stop()` in `afterAll`.
 *
 * @example
 * let emulator: Emulator;
 * beforeAll(async () => { emulator = await startEmulator(); });
 * afterAll(() => emulator.stop());
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const bucket = options.bucket ?? "factor-sync-test";
  const queueName = options.queueName ?? "work";
  const aws = await startLocalAws();
  try {
    await aws.createBucket(bucket);
    const queue = await aws.createQueue(queueName, options.queueAttributes ?? {});
    let queues = 0;
    return {
      aws,
      s3: aws.s3,
      sqs: aws.sqs,
      bucket,
      queueUrl: queue.url,
      queueName,
      async newQueue(attributes = {}) {
        queues += 1;
        return (await aws.createQueue(`${queueName}-${queues}`, attributes)).url;
      },
      stop: () => aws.stop(),
    };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}
