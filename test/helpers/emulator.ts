import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type FauxqsServer, startFauxqs } from "fauxqs";

/** A running fauxqs (S3 + SQS) with one bucket and one queue, and real SDK clients pointed at it. */
export interface Emulator {
  server: FauxqsServer;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  queueUrl: string;
  queueName: string;
  /** Creates another queue (named `<queueName>-<n>`) and returns its URL: one per test keeps tests apart. */
  newQueue(attributes?: Record<string, string>): string;
  /** Destroys the clients and stops the server. */
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

const region = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/**
 * Starts fauxqs on a random loopback port with a bucket and a queue, and returns real S3 (path-style) and SQS
 * clients for it. Call `stop()` in `afterAll`.
 *
 * @example
 * let emulator: Emulator;
 * beforeAll(async () => { emulator = await startEmulator(); });
 * afterAll(() => emulator.stop());
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const bucket = options.bucket ?? "factor-sync-test";
  const queueName = options.queueName ?? "work";
  const server = await startFauxqs({ port: 0, logger: false });
  server.createBucket(bucket);
  const { queueUrl } = server.createQueue(queueName, { attributes: options.queueAttributes ?? {} });
  const s3 = new S3Client({ region, credentials, endpoint: server.address, forcePathStyle: true });
  const sqs = new SQSClient({ region, credentials, endpoint: server.address });
  let queues = 0;
  return {
    server,
    s3,
    sqs,
    bucket,
    queueUrl,
    queueName,
    newQueue(attributes = {}) {
      queues += 1;
      return server.createQueue(`${queueName}-${queues}`, { attributes }).queueUrl;
    },
    async stop() {
      s3.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}
