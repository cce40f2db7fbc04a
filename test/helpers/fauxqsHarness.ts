import { S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";

/** Credentials fauxqs accepts (it never checks them). */
export const EMULATOR_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** A fauxqs server on a random loopback port, with SDK clients pointed at it. */
export interface FauxqsHarness {
  endpoint: string;
  sqs: SQSClient;
  s3: S3Client;
  stop(): Promise<void>;
}

/** Starts fauxqs in-process on port 0. Stop it in `afterAll`/`afterEach`. */
export async function startFauxqsHarness(): Promise<FauxqsHarness> {
  const server = await startFauxqs({ port: 0, logger: false });
  const config = { endpoint: server.address, region: "us-east-1", credentials: EMULATOR_CREDENTIALS };
  const sqs = new SQSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  return {
    endpoint: server.address,
    sqs,
    s3,
    async stop() {
      sqs.destroy();
      s3.destroy();
      await server.stop();
    },
  };
}

/** A created queue: its URL and ARN. */
export interface TestQueue {
  url: string;
  arn: string;
}

/** Creates a standard queue with the given attributes and returns its URL and ARN. */
export async function createTestQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<TestQueue> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const url = created.QueueUrl ?? "";
  const read = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  return { url, arn: read.Attributes?.QueueArn ?? "" };
}

/** Messages of a queue by state (exact on fauxqs): the local runner's own reading. */
export { queueDepth } from "../../lib/local/queueDepth.js";
