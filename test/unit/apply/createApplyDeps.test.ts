import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";

describe("createApplyDeps", () => {
  it.each([
    [undefined, 38_000],
    [2_000, 26_000],
  ])(
    "keeps a time margin of a credentials read, four request timeouts (%s ms), two settle rounds and 2 s",
    (requestTimeoutMs, margin) => {
      const deps = createApplyDeps(
        {
          auth0Domain: "tenant.eu.auth0.com",
          credentials: { clientId: "c", clientSecret: "s" },
          dlqUrl: "http://127.0.0.1:1/000000000000/dlq",
          ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
        },
        { sqs: new SQSClient({ region: "us-east-1" }), logger: capturedLogger().logger },
      );
      expect(deps.options?.timeMarginMs).toBe(margin);
    },
  );
});
