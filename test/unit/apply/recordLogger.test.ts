import { describe, expect, it } from "vitest";
import { applyBatch } from "../../../lib/apply/applyBatch.js";
import type { AuthenticationMethodsWriter, RequestPacer } from "../../../lib/apply/types.js";
import type { PutOutcome } from "../../../lib/auth0/PutOutcome.js";
import { toUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { RecordingApplyQueue, sqsRecord, TEST_SOURCE, userFactors } from "../../helpers/applyRecords.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";

const pacer: RequestPacer = {
  acquire: async () => true,
  observe: () => {},
  throttled: () => {},
  pausedUntilMs: 0,
};

describe("apply's per-record log lines", () => {
  it("carry the record's job id (and a record of no job logs without one)", async () => {
    const replies: Record<string, PutOutcome> = {
      "auth0|user-1": { kind: "permanent", status: 404, message: "The user does not exist." },
      "auth0|user-2": { kind: "transient", status: 503, message: "down" },
    };
    const client: AuthenticationMethodsWriter = {
      putAuthenticationMethods: async (userId) => replies[userId] ?? { kind: "applied", status: 200 },
    };
    const { logger, lines } = capturedLogger();
    const body = (n: number, jobId?: string) =>
      JSON.stringify(toUserFactorsMessage(userFactors(n), { ...TEST_SOURCE, ...(jobId ? { jobId } : {}) }));
    await applyBatch([sqsRecord(body(1, "job-a")), sqsRecord(body(2, "job-b")), sqsRecord(body(3))], {
      client,
      pacer,
      queue: new RecordingApplyQueue(),
      logger,
      options: { attemptsPerReceive: 1 },
    });
    const logged = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    const about = (userId: string) =>
      logged.filter((line) => line.userId === userId).map((line) => [line.msg, line.jobId]);
    expect(about("auth0|user-1")).toEqual([["user failed; sent to the dead-letter queue", "job-a"]]);
    expect(about("auth0|user-2")).toEqual([["transient failure", "job-b"]]);
    expect(logged.find((line) => line.msg === "batch done")).not.toHaveProperty("jobId");
  });
});
