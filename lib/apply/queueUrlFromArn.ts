/** Thrown when a record's `eventSourceARN` is not an SQS queue ARN. */
export class InvalidQueueArnError extends Error {
  public override readonly name = "InvalidQueueArnError";

  public constructor(public readonly arn: string) {
    super(`not an SQS queue ARN: '${arn}'`);
  }
}

/**
 * The queue URL of an SQS queue ARN, so the handler can change a record's visibility without being told the
 * work queue's URL. fauxqs resolves the same URL form (region from the host, name from the path).
 *
 * @example
 * queueUrlFromArn("arn:aws:sqs:eu-west-1:123456789012:work");
 * // "https://sqs.eu-west-1.amazonaws.com/123456789012/work"
 */
export function queueUrlFromArn(arn: string): string {
  const match = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/.exec(arn);
  if (!match) throw new InvalidQueueArnError(arn);
  const [, partition, region, account, name] = match;
  const suffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://sqs.${region}.${suffix}/${account}/${name}`;
}
