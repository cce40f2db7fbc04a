import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { DeadLetterRedriveError } from "../../../lib/dlq/errors.js";
import { type RedriveProgress, redriveDeadLetters } from "../../../lib/dlq/redriveDeadLetters.js";
import { EMULATOR_CREDENTIALS } from "../../helpers/localAwsHarness.js";
import {
  type ActionReply,
  type MoveTaskEndpoint,
  startMoveTaskEndpoint,
} from "../../helpers/moveTaskEndpoint.js";

const DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:factor-sync-dlq";
const WORK_ARN = "arn:aws:sqs:eu-west-1:123456789012:factor-sync-work";
const noSleep = async () => {};

function task(status: string, moved: number, extra: Record<string, unknown> = {}) {
  return {
    Results: [
      {
        Status: status,
        SourceArn: DLQ_ARN,
        ApproximateNumberOfMessagesMoved: moved,
        StartedTimestamp: 1,
        ...extra,
      },
    ],
  };
}

describe("redriveDeadLetters", () => {
  let endpoint: MoveTaskEndpoint | undefined;
  let sqs: SQSClient | undefined;

  async function start(reply: (action: string, index: number) => ActionReply): Promise<SQSClient> {
    endpoint = await startMoveTaskEndpoint(reply);
    sqs = new SQSClient({
      endpoint: endpoint.url,
      region: "eu-west-1",
      credentials: EMULATOR_CREDENTIALS,
      maxAttempts: 1,
    });
    return sqs;
  }

  afterEach(async () => {
    sqs?.destroy();
    await endpoint?.stop();
  });

  it("starts a move task with the destination and rate asked, and follows it until it completes", async () => {
    const client = await start((action, index) => {
      if (action === "StartMessageMoveTask") return { body: { TaskHandle: "task-1" } };
      if (index === 0) return { body: task("RUNNING", 0, { TaskHandle: "task-1" }) };
      if (index === 1)
        return { body: task("RUNNING", 40, { TaskHandle: "task-1", ApproximateNumberOfMessagesToMove: 90 }) };
      return { body: task("COMPLETED", 90, { ApproximateNumberOfMessagesToMove: 90 }) };
    });
    const progress: RedriveProgress[] = [];

    const done = await redriveDeadLetters(
      client,
      { dlqArn: DLQ_ARN, destinationArn: WORK_ARN, maxPerSecond: 50 },
      { sleep: noSleep, onProgress: (p) => progress.push(p) },
    );

    expect(endpoint?.calls[0]).toEqual({
      action: "StartMessageMoveTask",
      input: { SourceArn: DLQ_ARN, DestinationArn: WORK_ARN, MaxNumberOfMessagesPerSecond: 50 },
    });
    expect(endpoint?.calls.slice(1)).toEqual(
      Array.from({ length: 3 }, () => ({
        action: "ListMessageMoveTasks",
        input: { SourceArn: DLQ_ARN, MaxResults: 10 },
      })),
    );
    expect(progress).toEqual([
      { taskHandle: "task-1", status: "RUNNING", moved: 0, toMove: undefined, failureReason: undefined },
      { taskHandle: "task-1", status: "RUNNING", moved: 40, toMove: 90, failureReason: undefined },
      { taskHandle: "task-1", status: "COMPLETED", moved: 90, toMove: 90, failureReason: undefined },
    ]);
    expect(done).toEqual(progress[2]);
  });

  it("leaves the rate to SQS when none is given", async () => {
    const client = await start((action) =>
      action === "StartMessageMoveTask" ? { body: { TaskHandle: "task-2" } } : { body: task("COMPLETED", 3) },
    );

    await redriveDeadLetters(client, { dlqArn: DLQ_ARN, destinationArn: WORK_ARN }, { sleep: noSleep });

    expect(endpoint?.calls[0]).toEqual({
      action: "StartMessageMoveTask",
      input: { SourceArn: DLQ_ARN, DestinationArn: WORK_ARN },
    });
  });

  it("returns after the start when not asked to wait", async () => {
    const client = await start((action) =>
      action === "StartMessageMoveTask"
        ? { body: { TaskHandle: "task-3" } }
        : { body: task("RUNNING", 0, { TaskHandle: "task-3" }) },
    );

    const progress = await redriveDeadLetters(
      client,
      { dlqArn: DLQ_ARN, destinationArn: WORK_ARN },
      { wait: false, sleep: noSleep },
    );

    expect(progress.status).toBe("RUNNING");
    expect(endpoint?.calls.map((call) => call.action)).toEqual([
      "StartMessageMoveTask",
      "ListMessageMoveTasks",
    ]);
  });

  it("fails with DeadLetterRedriveError carrying SQS's reason when the task cannot start", async () => {
    const client = await start(() => ({
      error: { type: "UnsupportedOperation", message: "A message movement task is already running" },
    }));

    const redrive = redriveDeadLetters(
      client,
      { dlqArn: DLQ_ARN, destinationArn: WORK_ARN },
      { sleep: noSleep },
    );

    await expect(redrive).rejects.toBeInstanceOf(DeadLetterRedriveError);
    await expect(redrive).rejects.toThrow(
      `could not redrive ${DLQ_ARN}: UnsupportedOperation: A message movement task is already running`,
    );
  });

  it("fails with DeadLetterRedriveError when SQS reports the task FAILED", async () => {
    const client = await start((action) =>
      action === "StartMessageMoveTask"
        ? { body: { TaskHandle: "task-4" } }
        : { body: task("FAILED", 2, { FailureReason: "AWS.SimpleQueueService.NonExistentQueue" }) },
    );

    const redrive = redriveDeadLetters(
      client,
      { dlqArn: DLQ_ARN, destinationArn: WORK_ARN },
      { sleep: noSleep },
    );

    await expect(redrive).rejects.toThrow(
      new DeadLetterRedriveError(DLQ_ARN, "the move task failed: AWS.SimpleQueueService.NonExistentQueue"),
    );
  });

  it.each([0, 501, 2.5])("refuses a rate of %s before calling SQS", async (rate) => {
    const client = await start(() => ({ body: {} }));

    await expect(
      redriveDeadLetters(client, { dlqArn: DLQ_ARN, destinationArn: WORK_ARN, maxPerSecond: rate }),
    ).rejects.toThrow(new DeadLetterRedriveError(DLQ_ARN, "maxPerSecond must be an integer from 1 to 500"));
    expect(endpoint?.calls).toEqual([]);
  });
});
