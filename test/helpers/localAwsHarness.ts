import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, type LocalAws, startLocalAws } from "../../lib/local/LocalAws.js";

/** Credentials the emulators accept (they never check them). */
export const EMULATOR_CREDENTIALS = LOCAL_CREDENTIALS;

/** The local AWS, as the tests of SQS tools use it: its endpoint and SDK clients. */
export interface LocalAwsHarness {
  aws: LocalAws;
  endpoint: string;
  sqs: SQSClient;
  s3: S3Client;
  stop(): Promise<void>;
}

/** Starts {@link startLocalAws}. Stop it in `afterAll`/`afterEach`. */
export async function startLocalAwsHarness(): Promise<LocalAwsHarness> {
  const aws = await startLocalAws();
  return { aws, endpoint: aws.endpoint, sqs: aws.sqs, s3: aws.s3, stop: () => aws.stop() };
}

/** A created queue: its URL and ARN. */
export interface TestQueue {
  url: string;
  arn: string;
}

/** Creates a standard queue with the given attributes and returns its URL and ARN. */
export async function createTestQueue(
  harness: LocalAwsHarness,
  name: string,
  attributes: Record<string, string> = {},
): Promise<TestQueue> {
  const { url, arn } = await harness.aws.createQueue(name, attributes);
  return { url, arn };
}

/** Messages of a queue by state (exact on fauxqs): the local runner's own reading. */
export { queueDepth } from "../../lib/local/queueDepth.js";
