import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../../lib/config/errors.js";

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
      expect(secrets.calls()).toBe(1);
    } finally {
      await secrets.stop();
    }
  });

  it("reads the secret once per container, and again after a failed read", async () => {
    const secrets = await secretsEndpoint([
      { status: 400, body: { __type: "ResourceNotFoundException", message: "no such secret" } },
      { status: 200, body: { SecretString: '{"clientId":"c","clientSecret":"s"}' } },
    ]);
    try {
      applyEnvironment(secrets.url);
      const { handler } = await import("../../../functions/apply.js");
      await expect(handler({ Records: [] }, context)).rejects.toThrow(
        expect.objectContaining({ name: "ResourceNotFoundException" }),
      );
      await expect(handler({ Records: [] }, context)).resolves.toEqual({ batchItemFailures: [] });
      await expect(handler({ Records: [] }, context)).resolves.toEqual({ batchItemFailures: [] });
      expect(secrets.calls()).toBe(2);
    } finally {
      await secrets.stop();
    }
  });
});
