import { ManagementClient, ManagementError } from "auth0";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";

/** The SDK only speaks https://{domain}; the simulator listens on plain HTTP (see README). */
const plainHttpFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const rewritten = url.replace(/^https:\/\//, "http://");
  return input instanceof Request ? fetch(new Request(rewritten, input), init) : fetch(rewritten, init);
};

function sdkClient(sim: Auth0Simulator, maxRetries?: number): ManagementClient {
  return new ManagementClient({
    domain: sim.domain,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    fetch: plainHttpFetch,
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
}

describe("the official auth0 SDK (v7) against the simulator", () => {
  let sim: Auth0Simulator;

  beforeAll(async () => {
    sim = await startAuth0Simulator({
      knownUsers: new Set(["auth0|alice", "auth0|bob"]),
      rps: 1000,
      burst: 1000,
    });
  });

  beforeEach(() => {
    sim.reset();
  });

  afterAll(async () => {
    await sim.stop();
  });

  it("sets a user's methods through users.authenticationMethods.set, fetching one token for many calls", async () => {
    const client = sdkClient(sim);
    const methods = [
      {
        type: "phone" as const,
        phone_number: "+4915112345678",
        preferred_authentication_method: "voice" as const,
      },
      { type: "totp" as const, totp_secret: "JBSWY3DPEHPK3PXP", name: "Authenticator" },
    ];
    const response = await client.users.authenticationMethods.set("auth0|alice", methods);
    await client.users.authenticationMethods.set("auth0|bob", [{ type: "email", email: "bob@example.com" }]);
    expect(response).toEqual(sim.methodsOf("auth0|alice"));
    expect(sim.methodsOf("auth0|alice")).toMatchObject(methods);
    expect(sim.methodsOf("auth0|bob")).toMatchObject([{ type: "email", email: "bob@example.com" }]);
    expect(sim.stats).toMatchObject({ tokensIssued: 1, applied: 2 });
  });

  it("surfaces Auth0's 404 body for an unknown user", async () => {
    const error = await sdkClient(sim)
      .users.authenticationMethods.set("auth0|nobody", [{ type: "totp", totp_secret: "JBSWY3DP" }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ManagementError);
    expect(error).toMatchObject({
      statusCode: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The user does not exist.",
        errorCode: "inexistent_user",
      },
    });
  });

  it("surfaces Auth0's 400 body for an invalid method", async () => {
    const error = await sdkClient(sim)
      .users.authenticationMethods.set("auth0|alice", [{ type: "totp", totp_secret: "not base32!" }])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      statusCode: 400,
      body: {
        errorCode: "invalid_body",
        message:
          "Payload validation error: 'String does not match pattern: ^[A-Za-z2-7]+=*$' on property [0].totp_secret.",
      },
    });
  });

  it("surfaces the 429 body when the bucket is empty and retries are off", async () => {
    const tiny = await startAuth0Simulator({ rps: 0.001, burst: 1 });
    try {
      const client = sdkClient(tiny, 0);
      await client.users.authenticationMethods.set("auth0|alice", []);
      const error = await client.users.authenticationMethods
        .set("auth0|alice", [])
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        statusCode: 429,
        body: {
          statusCode: 429,
          error: "Too Many Requests",
          message: "Global limit has been reached",
          errorCode: "too_many_requests",
        },
      });
    } finally {
      await tiny.stop();
    }
  });

  it("gets a 401 from the simulator's token endpoint for a wrong secret", async () => {
    const client = new ManagementClient({
      domain: sim.domain,
      clientId: sim.clientId,
      clientSecret: "wrong",
      fetch: plainHttpFetch,
    });
    const error = await client.users.authenticationMethods
      .set("auth0|alice", [])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      statusCode: 401,
      body: { error: "access_denied", error_description: "Unauthorized" },
    });
  });
});
