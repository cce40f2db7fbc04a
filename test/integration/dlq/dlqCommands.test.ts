import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILURES_CSV_HEADER } from "../../../lib/dlq/FailuresCsv.js";
import { toDeadLetterAttributes } from "../../../lib/messages/DeadLetter.js";
import { runCli } from "../../helpers/cli.js";
import {
  createTestQueue,
  type LocalAwsHarness,
  queueDepth,
  startLocalAwsHarness,
  type TestQueue,
} from "../../helpers/localAwsHarness.js";
import { userFactorsBody } from "../../helpers/messages.js";
import { startMoveTaskEndpoint } from "../../helpers/moveTaskEndpoint.js";

const AWS_ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
const WORK_ARN = "arn:aws:sqs:eu-west-1:123456789012:factor-sync-work";

describe("dlq-export and dlq-redrive commands", () => {
  let harness: LocalAwsHarness;
  let dlq: TestQueue;
  let dir: string;

  beforeAll(async () => {
    harness = await startLocalAwsHarness();
    dlq = await createTestQueue(harness, "factor-sync-dlq");
    dir = await mkdtemp(join(tmpdir(), "dlq-cli-"));
    await harness.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq.url,
        MessageBody: userFactorsBody(4),
        MessageAttributes: toDeadLetterAttributes({
          status: "409",
          message: "conflict",
          attempts: 1,
          failedAt: "2026-11-29T18:00:00.000Z",
          sourceKey: "incoming/users.csv",
          sourceLine: 5,
          userId: "auth0|user4",
        }),
      }),
    );
  });
  afterAll(async () => {
    await harness.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("dlq-export writes the failures CSV to --out, says how many, and leaves the messages in the queue", async () => {
    const out = join(dir, "failures.csv");

    const result = await runCli(
      ["dlq-export", "--queue-url", dlq.url, "--endpoint-url", harness.endpoint, "--out", out],
      AWS_ENV,
    );

    expect(result).toEqual({
      code: 0,
      stdout: "",
      stderr: `Exported 1 failed users to ${out}; the messages stay in the queue for dlq-redrive.\n`,
    });
    // A file for a spreadsheet: byte-order mark, CRLF, line and user first as in every report.
    expect(await readFile(out, "utf8")).toBe(
      `\uFEFF${FAILURES_CSV_HEADER}\r\n5,auth0|user4,409,,conflict,1,2026-11-29T18:00:00.000Z,incoming/users.csv\r\n`,
    );
    expect(await queueDepth(harness.sqs, dlq.url)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it("dlq-redrive starts a move task and reports its progress until it completes", async () => {
    const endpoint = await startMoveTaskEndpoint((action) =>
      action === "StartMessageMoveTask"
        ? { body: { TaskHandle: "task-1" } }
        : {
            body: {
              Results: [
                {
                  Status: "COMPLETED",
                  ApproximateNumberOfMessagesMoved: 7,
                  ApproximateNumberOfMessagesToMove: 7,
                },
              ],
            },
          },
    );
    try {
      const result = await runCli(
        [
          "dlq-redrive",
          "--dlq-arn",
          dlq.arn,
          "--to",
          WORK_ARN,
          "--rate",
          "20",
          "--endpoint-url",
          endpoint.url,
        ],
        AWS_ENV,
      );

      expect(result).toEqual({
        code: 0,
        stdout: "",
        stderr: `Moving the messages of ${dlq.arn} to ${WORK_ARN}...\nCOMPLETED: 7 of 7 messages moved\nRedrive completed: 7 messages moved.\n`,
      });
      expect(endpoint.calls[0]).toEqual({
        action: "StartMessageMoveTask",
        input: { SourceArn: dlq.arn, DestinationArn: WORK_ARN, MaxNumberOfMessagesPerSecond: 20 },
      });
    } finally {
      await endpoint.stop();
    }
  });

  it.each([
    [["dlq-export"], "error: required option '--queue-url <url>' not specified\n"],
    [
      ["dlq-redrive", "--dlq-arn", "arn:aws:sqs:eu-west-1:123:q", "--to", WORK_ARN],
      "is not an SQS queue ARN",
    ],
    [["dlq-redrive", "--dlq-arn", WORK_ARN], "error: required option '--to <arn>' not specified\n"],
    [["dlq-redrive", "--dlq-arn", WORK_ARN, "--to", "work"], "is not an SQS queue ARN"],
    [
      [
        "dlq-redrive",
        "--dlq-arn",
        "arn:aws:sqs:eu-west-1:123456789012:q",
        "--to",
        WORK_ARN,
        "--rate",
        "fast",
      ],
      "expected an integer from 1 to 500",
    ],
  ])("%j is a usage error: one line on stderr and where to find the usage, exit 2", async (args, message) => {
    const result = await runCli(args, AWS_ENV);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n").filter(Boolean)).toEqual([
      expect.stringContaining(message.trimEnd()),
      `(run 'factor-sync ${args[0]} --help' for usage)`,
    ]);
  });
});
