import { describe, expect, it } from "vitest";
import { fromDeadLetterAttributes, toDeadLetterAttributes } from "../../../lib/messages/DeadLetter.js";

describe("DeadLetter attributes", () => {
  it("round-trips a full reason through SQS string attributes", () => {
    const reason = {
      status: "404",
      errorCode: "inexistent_user",
      message: "The user does not exist.",
      attempts: 1,
      failedAt: "2026-11-29T18:00:00.000Z",
      sourceKey: "incoming/users.csv",
      sourceLine: 12,
      userId: "auth0|42",
    };
    const attributes = toDeadLetterAttributes(reason);
    expect(attributes.status).toEqual({ DataType: "String", StringValue: "404" });
    expect(fromDeadLetterAttributes(attributes)).toEqual(reason);
  });

  it("leaves absent fields out rather than writing empty attributes", () => {
    const attributes = toDeadLetterAttributes({
      status: "malformed",
      message: "body is not JSON",
      attempts: 0,
      failedAt: "2026-11-29T18:00:00.000Z",
    });
    expect(Object.keys(attributes).sort()).toEqual(["attempts", "failedAt", "message", "status"]);
  });

  it("explains a message that SQS moved without a reason", () => {
    expect(fromDeadLetterAttributes(undefined, 5)).toEqual({
      status: "unknown",
      message:
        "moved to the DLQ by SQS after its last receive, without a recorded reason (the function crashed or timed out)",
      attempts: 5,
      failedAt: "",
    });
  });
});
