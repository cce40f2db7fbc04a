import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../../lib/config/errors.js";
import { startAuth0Simulator } from "../../../lib/simulator/index.js";
import { userRecord } from "../../helpers/applyRecords.js";
import { stdoutOf } from "../../helpers/metrics.js";

// The Lambda entry points as the runtime loads them: a fresh module (a new container) per test, the
// environment as the stack sets it, and the AWS SDK's real clients (Secrets Manager answered over HTTP).

const context = { getRemainingTimeInMillis: () => 60_000 };

/** A Secrets Manager endpoint whose answers the test scripts; counts the GetSecretValue calls. */
async function secretsEndpoint(answers: { status: number; body: unknown }[]) {
  let calls = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const answer = answers[Math.min(calls, answers.length - 1)] ?? { status: 500, body: {} };
      calls += 1;
      response.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeEach(() => {
  vi.resetModules();
  vi.stubEnv("AWS_REGION", "eu-west-1");
  vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
  vi.stubEnv("LOG_LEVEL", "silent");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the ingest entry point", () => {
  it("reads its environment on the first invocation, retries a failed build, then keeps what it built", async () => {
    vi.stubEnv("QUEUE_URL", "");
    // Importing reads nothing: a missing variable fails the invocation, not the module.
    const { handler } = await import("../../../functions/ingest.js");
    await expect(handler({ Records: [] })).rejects.toThrow(
      new ConfigurationError("QUEUE_URL", "is required"),
    );
    vi.stubEnv("QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/work");
    await expect(handler({ Records: [] })).resolves.toEqual([]);
    // Built once per container: a later change of the environment is not read again.
    vi.stubEnv("QUEUE_URL", "");
    await expect(handler({ Records: [] })).resolves.toEqual([]);
  });
});

describe("the apply entry point", () => {
  const applyEnvironment = (secrets: string) => {
    vi.stubEnv("AUTH0_DOMAIN", "tenant.eu.auth0.com");
    vi.stubEnv("AUTH0_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:auth0-AbCdEf");
    vi.stubEnv("DLQ_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq");
    vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets);
  };

  it("fails an invocation on a bad environment without caching the failure", async () => {
    const secrets = await secretsEndpoint([
      { status: 200, body: { SecretString: '{"clientId":"c","clientSecret":"s"}' } },
    ]);
    try {
      applyEnvironment(secrets.url);
      vi.stubEnv("DLQ_URL", "");
      const { handler } = await import("../../../functions/apply.js");
      await expect(handler({ Records: [] }, context)).rejects.toThrow(
        new ConfigurationError("DLQ_URL", "is required"),
      );
      expect(secrets.calls()).toBe(0);
      vi.stubEnv("DLQ_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq");
      await expect(handler({ Records: [] }, context)).resolves.toEqual({ batchItemFailures: [] });
      // The secret is read when a token is first needed, not when the handler is built.
      expect(secrets.calls()).toBe(0);
    } finally {
      await secrets.stop();
    }
  });

  it("reads the secret when a token is needed, and holds the records when it cannot: the invocation never fails", async () => {
    const secrets = await secretsEndpoint([
      { status: 400, body: { __type: "ResourceNotFoundException", message: "no such secret" } },
    ]);
    const sim = await startAuth0Simulator();
    try {
      applyEnvironment(secrets.url);
      vi.stubEnv("AUTH0_DOMAIN", sim.url);
      // No SQS at all: the held record cannot be sent back, so it is kept as a batch item failure.
      vi.stubEnv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1");
      const { handler } = await import("../../../functions/apply.js");
      await expect(handler({ Records: [userRecord(1)] }, context)).resolves.toEqual({
        batchItemFailures: [{ itemIdentifier: "msg-1" }],
      });
      expect(secrets.calls()).toBe(1);
      expect(sim.stats.requests).toBe(0);
    } finally {
      await Promise.all([secrets.stop(), sim.stop()]);
    }
  });
});

describe("the entry points' metrics", () => {
  it("write EMF lines to standard output, dimensioned by the function's name as Lambda sets it", async () => {
    const secrets = await secretsEndpoint([
      { status: 200, body: { SecretString: '{"clientId":"c","clientSecret":"s"}' } },
    ]);
    try {
      vi.stubEnv("AUTH0_DOMAIN", "tenant.eu.auth0.com");
      vi.stubEnv("AUTH0_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:auth0-AbCdEf");
      vi.stubEnv("DLQ_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq");
      vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.url);
      vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "FactorSync-ApplyFunction-abc");
      const { handler } = await import("../../../functions/apply.js");
      const lines = await stdoutOf(() =>
        handler({ Records: [] }, { ...context, awsRequestId: "req-apply" } as typeof context),
      );
      expect(lines).toHaveLength(1);
      const { _aws, ...values } = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
      expect(values).toEqual({
        requestId: "req-apply",
        FunctionName: "FactorSync-ApplyFunction-abc",
        Applied: 0,
        DeadLettered: 0,
        Retried: 0,
        Deferred: 0,
        Requeued: 0,
        Superseded: 0,
        Throttled: 0,
        Cancelled: 0,
        AlreadyCounted: 0,
        HeldByCircuit: 0,
        HeldByConfiguration: 0,
        OldestWorkAgeSeconds: 0,
      });
      expect(_aws).toMatchObject({
        CloudWatchMetrics: [{ Namespace: "FactorSync", Dimensions: [["FunctionName"]] }],
      });
    } finally {
      await secrets.stop();
    }
  });
});
