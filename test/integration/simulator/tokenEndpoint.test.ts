import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { requestToken } from "../../helpers/auth0SimulatorClient.js";

describe("Auth0 simulator /oauth/token", () => {
  let sim: Auth0Simulator;

  beforeAll(async () => {
    sim = await startAuth0Simulator();
  });

  afterAll(async () => {
    await sim.stop();
  });

  it.each(["form", "json"] as const)(
    "issues a Bearer token for client credentials sent as %s",
    async (encoding) => {
      const { status, headers, body } = await requestToken(sim, {}, encoding);
      expect(status).toBe(200);
      expect(headers.get("cache-control")).toBe("no-store");
      expect(body).toEqual({
        access_token: expect.stringMatching(/^sim_[\w-]{32}$/),
        token_type: "Bearer",
        expires_in: 86_400,
        scope:
          "read:users read:authentication_methods update:authentication_methods delete:authentication_methods",
      });
    },
  );

  it("accepts the credentials in an HTTP Basic header", async () => {
    const response = await fetch(`${sim.url}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", audience: sim.audience }).toString(),
    });
    expect(response.status).toBe(200);
  });

  it("accepts the audience written with localhost or plain http", async () => {
    const port = new URL(sim.url).port;
    for (const audience of [`https://localhost:${port}/api/v2/`, `http://127.0.0.1:${port}/api/v2/`]) {
      expect((await requestToken(sim, { audience })).status).toBe(200);
    }
  });

  it.each([
    ["a wrong secret", { client_secret: "nope" }],
    ["an unknown client", { client_id: "someone-else" }],
    ["no client secret", { client_secret: "" }],
  ])("answers 401 access_denied for %s", async (_case, fields) => {
    expect(await requestToken(sim, fields)).toMatchObject({
      status: 401,
      body: { error: "access_denied", error_description: "Unauthorized" },
    });
  });

  it("answers 403 for an audience that is not this tenant's Management API", async () => {
    expect(await requestToken(sim, { audience: "https://elsewhere.example/api/v2/" })).toMatchObject({
      status: 403,
      body: {
        error: "access_denied",
        error_description: "Service not enabled within domain: https://elsewhere.example/api/v2/",
      },
    });
  });

  it("answers 403 without an audience", async () => {
    expect(await requestToken(sim, { audience: "" })).toMatchObject({
      status: 403,
      body: {
        error: "access_denied",
        error_description: "No audience parameter was provided, and no default audience has been configured",
      },
    });
  });

  it("answers 400 for a grant other than client_credentials", async () => {
    expect(await requestToken(sim, { grant_type: "password" })).toMatchObject({
      status: 400,
      body: { error: "unsupported_grant_type", error_description: "Unsupported grant type: password" },
    });
  });

  it("counts the tokens it issued", async () => {
    const before = sim.stats.tokensIssued;
    await requestToken(sim);
    await requestToken(sim, { client_secret: "nope" });
    expect(sim.stats.tokensIssued).toBe(before + 1);
  });
});
