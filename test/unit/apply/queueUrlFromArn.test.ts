import { describe, expect, it } from "vitest";
import { InvalidQueueArnError, queueUrlFromArn } from "../../../lib/apply/queueUrlFromArn.js";

describe("queueUrlFromArn", () => {
  it.each([
    ["arn:aws:sqs:eu-west-1:123456789012:work", "https://sqs.eu-west-1.amazonaws.com/123456789012/work"],
    [
      "arn:aws:sqs:us-east-1:000000000000:work.fifo",
      "https://sqs.us-east-1.amazonaws.com/000000000000/work.fifo",
    ],
    ["arn:aws-cn:sqs:cn-north-1:123456789012:q", "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"],
  ])("turns %s into %s", (arn, url) => {
    expect(queueUrlFromArn(arn)).toBe(url);
  });

  it.each(["arn:aws:sns:eu-west-1:123456789012:topic", "work", "arn:aws:sqs:eu-west-1:12:work"])(
    "refuses %s",
    (arn) => {
      expect(() => queueUrlFromArn(arn)).toThrow(InvalidQueueArnError);
    },
  );
});
