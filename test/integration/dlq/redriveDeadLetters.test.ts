import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeadLetterRedriveError } from "../../../lib/dlq/errors.js";
import { redriveDeadLetters } from "../../../lib/dlq/redriveDeadLetters.js";
import {
  createTestQueue,
  type LocalAwsHarness,
  startLocalAwsHarness,
} from "../../helpers/localAwsHarness.js";

// fauxqs 2.4.1 does not implement message move tasks (its README lists StartMessageMoveTask as unsupported):
// the request side is tested in test/unit/dlq/redriveDeadLetters.test.ts against a scripted SQS endpoint.
describe("redriveDeadLetters on fauxqs", () => {
  let harness: LocalAwsHarness;
  beforeAll(async () => {
    harness = await startLocalAwsHarness();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it("reports an endpoint without message move tasks as a DeadLetterRedriveError naming the action", async () => {
    const dlq = await createTestQueue(harness, "work-dlq");

    const work = await createTestQueue(harness, "work");

    const redrive = redriveDeadLetters(harness.sqs, { dlqArn: dlq.arn, destinationArn: work.arn });

    await expect(redrive).rejects.toBeInstanceOf(DeadLetterRedriveError);
    await expect(redrive).rejects.toThrow(
      `could not redrive ${dlq.arn}: InvalidAction: Unknown action: StartMessageMoveTask`,
    );
  });
});
