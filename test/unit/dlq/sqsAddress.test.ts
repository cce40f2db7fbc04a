import { describe, expect, it } from "vitest";
import { InvalidQueueUrlError } from "../../../lib/dlq/errors.js";
import { parseQueueArn, regionOfQueueUrl } from "../../../lib/dlq/sqsAddress.js";

describe("parseQueueArn", () => {
  it("splits a queue ARN into partition, region, account and name", () => {
    expect(parseQueueArn("arn:aws:sqs:eu-west-1:123456789012:factor-sync-dlq")).toEqual({
      partition: "aws",
      region: "eu-west-1",
      accountId: "123456789012",
      name: "factor-sync-dlq",
    });
  });

  it.each(["", "arn:aws:sns:eu-west-1:123456789012:t", "arn:aws:sqs:eu-west-1:123:q", "factor-sync-dlq"])(
    "answers undefined for %j",
    (arn) => {
      expect(parseQueueArn(arn)).toBeUndefined();
    },
  );
});

describe("regionOfQueueUrl", () => {
  it.each([
    ["https://sqs.eu-west-1.amazonaws.com/123456789012/q", "eu-west-1"],
    ["https://eu-central-1.queue.amazonaws.com/123456789012/q", "eu-central-1"],
    ["http://127.0.0.1:4566/000000000000/q", undefined],
  ])("reads the region of %s", (url, region) => {
    expect(regionOfQueueUrl(url)).toBe(region);
  });

  it.each([
    ["nope", "'nope' is not a URL"],
    [
      "https://example.com/q",
      "'https://example.com/q' is not an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)",
    ],
  ])("refuses %s with a one-line InvalidQueueUrlError (a TypeError)", (url, message) => {
    expect(() => regionOfQueueUrl(url)).toThrow(InvalidQueueUrlError);
    expect(() => regionOfQueueUrl(url)).toThrow(TypeError);
    expect(() => regionOfQueueUrl(url)).toThrow(message);
  });
});
