import { InvalidQueueUrlError } from "./errors.js";

/** An SQS queue ARN split into its parts. */
export interface QueueArn {
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

const ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/**
 * Parses an SQS queue ARN (`arn:aws:sqs:eu-west-1:123456789012:name`); undefined when it is not one.
 *
 * @example
 * parseQueueArn("arn:aws:sqs:eu-west-1:123456789012:factor-sync-dlq")?.region; // "eu-west-1"
 */
export function parseQueueArn(arn: string): QueueArn | undefined {
  const match = ARN.exec(arn);
  if (!match) return undefined;
  const [, partition = "", region = "", accountId = "", name = ""] = match;
  return { partition, region, accountId, name };
}

/**
 * Checks a queue URL (`https://sqs.eu-west-1.amazonaws.com/123456789012/name`, or an emulator's) and returns
 * the region its host names, if any; throws a one-line {@link InvalidQueueUrlError} when it is not a queue URL.
 *
 * @example
 * regionOfQueueUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/q"); // "eu-west-1"
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new InvalidQueueUrlError(queueUrl, "is not a URL");
  }
  if (!/^https?:$/.test(url.protocol) || !/^\/\d{12}\/[A-Za-z0-9_.-]+$/.test(url.pathname)) {
    throw new InvalidQueueUrlError(
      queueUrl,
      "is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)",
    );
  }
  return /^sqs\.([a-z0-9-]+)\./.exec(url.hostname)?.[1] ?? /^([a-z0-9-]+)\.queue\./.exec(url.hostname)?.[1];
}
