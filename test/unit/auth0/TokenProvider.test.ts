import { describe, expect, it } from "vitest";
import { toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";
import { CredentialsCache } from "../../../lib/auth0/CredentialsCache.js";
import { CredentialsUnavailableError, TokenRequestError } from "../../../lib/auth0/errors.js";
import { TokenProvider } from "../../../lib/auth0/TokenProvider.js";
import { connectionResetError, fakeFetch, jsonResponse, tokenResponse } from "../../helpers/auth0Fetch.js";
import { ManualClock } from "../../helpers/manualClock.js";

const endpoint = toAuth0Endpoint("tenant.eu.auth0.com");
const credentials = { clientId: "client-1", clientSecret: "very-secret-value" };

function provider(reply: Parameters<typeof fakeFetch>[0], clock = new ManualClock()) {
  const fake = fakeFetch(reply);
  const tokens = new TokenProvider({ endpoint, credentials, fetch: fake.fetch, clock: clock.clock });
  return { tokens, requests: fake.requests, clock };
}

describe("TokenProvider", () => {
  it("posts the client-credentials grant for the Management API audience", async () => {
    const { tokens, requests } = provider(() => tokenResponse("t1"));
    await expect(tokens.getToken()).resolves.toBe("t1");
    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe("POST");
    expect(requests[0]?.url).toBe("https://tenant.eu.auth0.com/oauth/token");
    expect(JSON.parse(requests[0]?.body ?? "")).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: "very-secret-value",
      audience: "https://tenant.eu.auth0.com/api/v2/",
    });
  });

  it("serves the cached token until shortly before it expires", async () => {
    let issued = 0;
    const { tokens, requests, clock } = provider(() => tokenResponse(`t${++issued}`, 86_400));
    await tokens.getToken();
    clock.advance(86_400_000 - 60_001);
    await expect(tokens.getToken()).resolves.toBe("t1");
    clock.advance(1);
    await expect(tokens.getToken()).resolves.toBe("t2");
    expect(requests).toHaveLength(2);
    expect(tokens.fetchCount).toBe(2);
  });

  it("refreshes a short-lived token when a tenth of its lifetime is left", async () => {
    let issued = 0;
    const { tokens, clock } = provider(() => tokenResponse(`t${++issued}`, 10));
    await tokens.getToken();
    clock.advance(8_999);
    await expect(tokens.getToken()).resolves.toBe("t1");
    clock.advance(1);
    await expect(tokens.getToken()).resolves.toBe("t2");
  });

  it("shares one in-flight request among concurrent callers", async () => {
    let release: (response: Response) => void = () => {};
    const { tokens, requests } = provider(
      () =>
        new Promise<Response>((resolve) => {
          release = resolve;
        }),
    );
    const callers = Array.from({ length: 25 }, () => tokens.getToken());
    await Promise.resolve();
    release(tokenResponse("shared"));
    await expect(Promise.all(callers)).resolves.toEqual(Array(25).fill("shared"));
    expect(requests).toHaveLength(1);
  });

  it("fetches a new token after the current one is invalidated, but not for a stale one", async () => {
    let issued = 0;
    const { tokens, requests } = provider(() => tokenResponse(`t${++issued}`));
    await tokens.getToken();
    tokens.invalidate("t1");
    await expect(tokens.getToken()).resolves.toBe("t2");
    tokens.invalidate("t1");
    await expect(tokens.getToken()).resolves.toBe("t2");
    expect(requests).toHaveLength(2);
  });

  it("reports a refused grant with Auth0's error and no secret", async () => {
    const { tokens } = provider(() =>
      jsonResponse(401, { error: "access_denied", error_description: "Unauthorized" }),
    );
    const error = await tokens.getToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 401, errorCode: "access_denied", detail: "Unauthorized" });
    expect(String((error as Error).message)).not.toContain("very-secret-value");
  });

  it("reports a connection error as network and tries again on the next call", async () => {
    const { tokens, requests } = provider((_request, index) =>
      index === 0 ? connectionResetError() : tokenResponse("t2"),
    );
    await expect(tokens.getToken()).rejects.toMatchObject({
      name: "TokenRequestError",
      status: "network",
      detail: "connection error (ECONNRESET)",
    });
    await expect(tokens.getToken()).resolves.toBe("t2");
    expect(requests).toHaveLength(2);
  });

  it("rejects a success without an access token", async () => {
    const { tokens } = provider(() => jsonResponse(200, { token_type: "Bearer" }));
    await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenRequestError);
  });

  it("keeps the rate-limit reading of a throttled token request", async () => {
    const { tokens } = provider(() =>
      jsonResponse(
        429,
        { statusCode: 429, error: "Too Many Requests", message: "Global limit has been reached" },
        { "x-ratelimit-limit": "30", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1764439201" },
      ),
    );
    await expect(tokens.getToken()).rejects.toMatchObject({
      status: 429,
      errorCode: "Too Many Requests",
      detail: "Global limit has been reached",
      rateLimit: { limit: 30, remaining: 0, resetAtMs: 1_764_439_201_000 },
    });
  });

  it("reads the credentials again after a failed token request, so a fixed secret is used at once", async () => {
    const secrets = ["", "wrong", "right"];
    let loads = 0;
    const source = new CredentialsCache({
      load: async () => ({ clientId: "client-1", clientSecret: secrets[Math.min(loads++, 2)] ?? "" }),
      maxAgeMs: 300_000,
    });
    const fake = fakeFetch((request) =>
      JSON.parse(request.body ?? "{}").client_secret === "right"
        ? tokenResponse("t1")
        : jsonResponse(401, { error: "access_denied", error_description: "Unauthorized" }),
    );
    const tokens = new TokenProvider({ endpoint, credentials: source, fetch: fake.fetch });
    await expect(tokens.getToken()).rejects.toEqual(
      new CredentialsUnavailableError("the client secret is empty", true),
    );
    expect(fake.requests).toHaveLength(0);
    await expect(tokens.getToken()).rejects.toBeInstanceOf(TokenRequestError);
    await expect(tokens.getToken()).resolves.toBe("t1");
    expect(loads).toBe(3);
  });
});
