import { describe, expect, it } from "vitest";
import { applyTimeMarginMs, awsCallWorstMs, awsClientOptions } from "../../../lib/config/clientTimeouts.js";

describe("client timeouts", () => {
  it("give every AWS client a connection and a request timeout and two attempts", () => {
    expect(awsClientOptions()).toEqual({
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
      maxAttempts: 2,
    });
    expect(awsClientOptions({ maxAttempts: 1, requestTimeoutMs: 60_000 })).toEqual({
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 60_000 },
      maxAttempts: 1,
    });
  });

  it("bound one AWS call by its attempts and the backoff between them", () => {
    expect(awsCallWorstMs()).toBe(6_500);
    expect(awsCallWorstMs(1)).toBe(3_000);
  });

  it("make the apply margin a credentials read, token + PUT + token + PUT and two settle rounds", () => {
    expect(applyTimeMarginMs()).toBe(3_000 + 4 * 5_000 + 2 * 6_500 + 2_000);
    expect(applyTimeMarginMs({ auth0RequestMs: 1_000, settleRounds: 1, slackMs: 0 })).toBe(
      3_000 + 4_000 + 6_500,
    );
  });
});
