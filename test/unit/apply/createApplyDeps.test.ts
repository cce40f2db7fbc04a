import type { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { type ApplySettings, createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { ManagementApiClient } from "../../../lib/auth0/ManagementApiClient.js";
import { PIPELINE_DEFAULTS } from "../../../lib/config/defaults.js";
import { Pacer } from "../../../lib/pacing/Pacer.js";
import { userRecord } from "../../helpers/applyRecords.js";
import { fakeFetch, jsonResponse, tokenResponse } from "../../helpers/auth0Fetch.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";

const DLQ_URL = "http://127.0.0.1:1/000000000000/dlq";

/** Builds the deps with a fake fetch and an SQS client that records the commands it is sent. */
function build(settings: Partial<ApplySettings> = {}) {
  const fake = fakeFetch((request) =>
    request.url.endsWith("/oauth/token") ? tokenResponse("token-1") : jsonResponse(200, []),
  );
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const sqs = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      return {};
    },
  } as unknown as SQSClient;
  const deps = createApplyDeps(
    {
      auth0Domain: "tenant.eu.auth0.com",
      credentials: { clientId: "client-1", clientSecret: "secret-1" },
      dlqUrl: DLQ_URL,
      fetch: fake.fetch,
      ...settings,
    },
    { sqs, logger: capturedLogger().logger },
  );
  return { deps, requests: fake.requests, sent };
}

/** Whether the pacer pauses on a reading of `remaining` of a bucket of 50: it does at or below its reserve. */
function pausesAt(pacer: Pacer, remaining: number): boolean {
  pacer.observe({ limit: 50, remaining, resetAtMs: Date.now() + 60_000 });
  return pacer.pausedUntilMs > 0;
}

describe("createApplyDeps", () => {
  it("uses the pipeline defaults for every setting left out", () => {
    const { deps } = build();
    expect(deps.options).toEqual({
      applyConcurrency: PIPELINE_DEFAULTS.applyConcurrency,
      maxReceiveCount: PIPELINE_DEFAULTS.maxReceiveCount,
      // A credentials read, token + PUT + token + PUT at 5 s each, two settle rounds and 2 s.
      timeMarginMs: 38_000,
    });
    expect(deps.pacer).toBeInstanceOf(Pacer);
    // 2 workers sharing 10 rps: one request every 200 ms each.
    expect((deps.pacer as Pacer).intervalMs).toBe(
      (1000 * PIPELINE_DEFAULTS.maxConcurrency) / PIPELINE_DEFAULTS.rpsCeiling,
    );
    expect(deps.client).toBeInstanceOf(ManagementApiClient);
    expect((deps.client as ManagementApiClient).timeoutMs).toBe(5_000);
    expect(deps.circuit.probeIntervalMs).toBe(30_000);
    // budgetShare 0.8 of 50: a reserve of 10.
    expect([pausesAt(build().deps.pacer as Pacer, 11), pausesAt(build().deps.pacer as Pacer, 10)]).toEqual([
      false,
      true,
    ]);
  });

  it("passes every setting to the client, the pacer, the queue and the options", async () => {
    const { deps, requests, sent } = build({
      auth0Domain: "other.eu.auth0.com",
      rpsCeiling: 20,
      maxConcurrency: 4,
      budgetShare: 0.5,
      applyConcurrency: 3,
      maxReceiveCount: 7,
      requestTimeoutMs: 2_000,
      probeIntervalMs: 1_000,
    });
    expect(deps.options).toEqual({ applyConcurrency: 3, maxReceiveCount: 7, timeMarginMs: 26_000 });
    expect((deps.pacer as Pacer).intervalMs).toBe(200);
    expect((deps.client as ManagementApiClient).timeoutMs).toBe(2_000);
    expect(deps.circuit.probeIntervalMs).toBe(1_000);
    // budgetShare 0.5 of 50: a reserve of 25.
    const share = build({ budgetShare: 0.5 }).deps.pacer as Pacer;
    expect([pausesAt(share, 26), pausesAt(build({ budgetShare: 0.5 }).deps.pacer as Pacer, 25)]).toEqual([
      false,
      true,
    ]);

    // Domain, credentials and the injected fetch: one token request, then the PUT, both to the domain.
    await deps.client.putAuthenticationMethods("auth0|user-1", []);
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "POST https://other.eu.auth0.com/oauth/token",
      "PUT https://other.eu.auth0.com/api/v2/users/auth0%7Cuser-1/authentication-methods",
    ]);
    expect(requests[0]?.body).toContain("client-1");
    expect(requests[0]?.body).toContain("secret-1");
    expect(deps.tokens.fetchCount).toBe(1);

    // The DLQ: the record's body, to the configured URL.
    const record = userRecord(1);
    await deps.queue.deadLetter(record, {
      status: "404",
      message: "The user does not exist.",
      attempts: 1,
      failedAt: "2026-12-01T12:00:00.000Z",
    });
    expect(
      sent.map(({ name, input }) => ({ name, QueueUrl: input.QueueUrl, body: input.MessageBody })),
    ).toEqual([{ name: "SendMessageCommand", QueueUrl: DLQ_URL, body: record.body }]);
  });

  it("reads credentials given as a loader again after a failed token request", async () => {
    const secrets = ["wrong", "secret-1"];
    let loads = 0;
    const tenant = fakeFetch((request) =>
      request.url.endsWith("/oauth/token")
        ? request.body.includes("secret-1")
          ? tokenResponse("token-1")
          : jsonResponse(401, { error: "access_denied", error_description: "Unauthorized" })
        : jsonResponse(200, []),
    );
    const { deps } = build({
      credentials: async () => ({ clientId: "client-1", clientSecret: secrets[Math.min(loads++, 1)] ?? "" }),
      fetch: tenant.fetch,
    });
    await expect(deps.client.putAuthenticationMethods("auth0|user-1", [])).resolves.toMatchObject({
      kind: "configuration",
      problem: "token-refused",
    });
    await expect(deps.client.putAuthenticationMethods("auth0|user-1", [])).resolves.toMatchObject({
      kind: "applied",
    });
    expect(loads).toBe(2);
    expect(tenant.requests.map((request) => request.method)).toEqual(["POST", "POST", "PUT"]);
  });
});
