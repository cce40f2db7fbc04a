import { describe, expect, it } from "vitest";
import { toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";
import { CredentialsUnavailableError } from "../../../lib/auth0/errors.js";
import { ManagementApiClient } from "../../../lib/auth0/ManagementApiClient.js";
import { TokenProvider } from "../../../lib/auth0/TokenProvider.js";
import type { AuthenticationMethod } from "../../../lib/factors/types.js";
import {
  auth0Error,
  connectionResetError,
  type FakeReply,
  fakeFetch,
  jsonResponse,
  type RecordedRequest,
  rateLimitHeaders,
  timeoutError,
  tokenResponse,
} from "../../helpers/auth0Fetch.js";

const endpoint = toAuth0Endpoint("http://127.0.0.1:4100");
const methods: AuthenticationMethod[] = [
  { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" },
  { type: "phone", phone_number: "+14155550100", preferred_authentication_method: "sms" },
];
const bucket = { limit: 50, remaining: 42, resetAtMs: 1_764_439_201_000 };

/** A client whose token endpoint issues t1, t2, ... and whose PUTs are answered by `put`. */
function clientWith(put: (request: RecordedRequest, index: number) => FakeReply) {
  let tokensIssued = 0;
  let puts = 0;
  const fake = fakeFetch((request) =>
    request.url.endsWith("/oauth/token") ? tokenResponse(`t${++tokensIssued}`) : put(request, puts++),
  );
  const tokens = new TokenProvider({
    endpoint,
    credentials: { clientId: "c", clientSecret: "s" },
    fetch: fake.fetch,
  });
  const client = new ManagementApiClient({ endpoint, tokens, fetch: fake.fetch, timeoutMs: 1_000 });
  const putRequests = () => fake.requests.filter((request) => request.method === "PUT");
  const tokenRequests = () => fake.requests.filter((request) => request.url.endsWith("/oauth/token"));
  return { client, putRequests, tokenRequests };
}

describe("ManagementApiClient.putAuthenticationMethods", () => {
  it("PUTs the methods to the encoded user path with the bearer token", async () => {
    const { client, putRequests } = clientWith(() => jsonResponse(200, [], rateLimitHeaders(bucket)));
    const outcome = await client.putAuthenticationMethods("auth0|abc/def", methods);
    expect(outcome).toEqual({ kind: "applied", status: 200, rateLimit: bucket });
    const [request] = putRequests();
    expect(request?.url).toBe("http://127.0.0.1:4100/api/v2/users/auth0%7Cabc%2Fdef/authentication-methods");
    expect(request?.headers.authorization).toBe("Bearer t1");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual(methods);
  });

  it("uses one token for many PUTs", async () => {
    const { client, tokenRequests, putRequests } = clientWith(() => jsonResponse(200, []));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.putAuthenticationMethods(`auth0|${i}`, methods)),
    );
    expect(putRequests()).toHaveLength(50);
    expect(tokenRequests()).toHaveLength(1);
  });

  it("refreshes the token once on a 401 and sends the PUT again", async () => {
    const { client, putRequests, tokenRequests } = clientWith((_request, index) =>
      index === 0
        ? auth0Error(401, "Expired token received for JSON Web Token validation")
        : jsonResponse(200, []),
    );
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "applied",
      status: 200,
    });
    expect(putRequests().map((request) => request.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    expect(tokenRequests()).toHaveLength(2);
  });

  it("reports a configuration error when the fresh token is refused too", async () => {
    const { client, putRequests } = clientWith(() => auth0Error(401, "Invalid token", "invalid_token"));
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "configuration",
      problem: "unauthorized",
      status: 401,
      errorCode: "invalid_token",
      message: "Invalid token",
    });
    expect(putRequests()).toHaveLength(2);
  });

  it("drops a token without the scope, so the next call fetches one that may carry a new grant", async () => {
    const { client, putRequests, tokenRequests } = clientWith((request) =>
      request.headers.authorization === "Bearer t1"
        ? auth0Error(
            403,
            "Insufficient scope, expected any of: update:authentication_methods",
            "insufficient_scope",
          )
        : jsonResponse(200, []),
    );
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "configuration",
      problem: "missing-scope",
      status: 403,
      errorCode: "insufficient_scope",
      message: "Insufficient scope, expected any of: update:authentication_methods",
    });
    expect(putRequests()).toHaveLength(1);
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toMatchObject({
      kind: "applied",
    });
    expect(tokenRequests()).toHaveLength(2);
  });

  it.each([
    [
      "a timeout",
      timeoutError(),
      { kind: "transient", status: "timeout", message: "no response within 1000 ms" },
    ],
    [
      "a reset connection",
      connectionResetError(),
      { kind: "transient", status: "network", message: "connection error (ECONNRESET)" },
    ],
  ])("reports %s as transient", async (_case, error, expected) => {
    const { client } = clientWith(() => error);
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual(expected);
  });

  it("reports a 429 as throttled with the bucket's reset", async () => {
    const { client } = clientWith(() =>
      jsonResponse(
        429,
        {
          statusCode: 429,
          error: "Too Many Requests",
          message: "Global limit has been reached",
          errorCode: "too_many_requests",
        },
        rateLimitHeaders({ ...bucket, remaining: 0 }),
      ),
    );
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "throttled",
      status: 429,
      errorCode: "too_many_requests",
      message: "Global limit has been reached",
      resetAtMs: bucket.resetAtMs,
      rateLimit: { ...bucket, remaining: 0 },
    });
  });

  it("never puts the request body or the token into an outcome", async () => {
    const { client } = clientWith(() => auth0Error(400, "Payload validation error", "invalid_body"));
    const outcome = await client.putAuthenticationMethods("auth0|1", methods);
    expect(JSON.stringify(outcome)).not.toMatch(/JBSWY3DPEHPK3PXP|14155550100|Bearer|t1/);
  });
});

describe("ManagementApiClient when the token request fails", () => {
  function failingTokens(reply: FakeReply) {
    const fake = fakeFetch((request) =>
      request.url.endsWith("/oauth/token") ? reply : jsonResponse(200, []),
    );
    const tokens = new TokenProvider({
      endpoint,
      credentials: { clientId: "c", clientSecret: "s" },
      fetch: fake.fetch,
    });
    return new ManagementApiClient({ endpoint, tokens, fetch: fake.fetch });
  }

  it("reports refused credentials as a configuration error, with Auth0's reason", async () => {
    const client = failingTokens(
      jsonResponse(401, { error: "access_denied", error_description: "Unauthorized" }),
    );
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "configuration",
      problem: "token-refused",
      status: 401,
      errorCode: "access_denied",
      message: "token request failed: Unauthorized",
    });
  });

  it("reports a throttled token request as throttled", async () => {
    const client = failingTokens(
      jsonResponse(
        429,
        { error: "too_many_requests", error_description: "Rate limit" },
        rateLimitHeaders(bucket),
      ),
    );
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "throttled",
      status: 429,
      errorCode: "too_many_requests",
      message: "token request failed: Rate limit",
      resetAtMs: bucket.resetAtMs,
    });
  });

  it("reports a token endpoint answering 5xx as transient (an incident, not a configuration error)", async () => {
    const client = failingTokens(jsonResponse(503, { statusCode: 503, error: "Service Unavailable" }));
    await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
      kind: "transient",
      status: 503,
      stage: "token",
      errorCode: "Service Unavailable",
      message: "token request failed: HTTP 503",
    });
  });

  it.each([
    [true, { kind: "configuration", problem: "credentials", status: "credentials" }],
    [false, { kind: "transient", status: "network", stage: "token" }],
  ])(
    "reports credentials that cannot be read (configuration %s) without a request",
    async (configuration, expected) => {
      const fake = fakeFetch(() => jsonResponse(200, []));
      const tokens = new TokenProvider({
        endpoint,
        credentials: {
          get: async () => {
            throw new CredentialsUnavailableError("ResourceNotFoundException", configuration);
          },
          invalidate: () => {},
        },
        fetch: fake.fetch,
      });
      const client = new ManagementApiClient({ endpoint, tokens, fetch: fake.fetch });
      await expect(client.putAuthenticationMethods("auth0|1", methods)).resolves.toEqual({
        ...expected,
        message: "the Auth0 credentials could not be read: ResourceNotFoundException",
      });
      expect(fake.requests).toEqual([]);
    },
  );
});
