import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { accessToken, putMethods, requestToken } from "../../helpers/auth0SimulatorClient.js";

const KNOWN = new Set(["auth0|alice", "auth0|bob", "sms|+4915112345678"]);
const TOTP = { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" };
const PHONE = {
  type: "phone",
  phone_number: "+4915112345678",
  preferred_authentication_method: "sms",
  name: "Mobile",
};

function payloadError(message: string) {
  return { statusCode: 400, error: "Bad Request", message, errorCode: "invalid_body" };
}

describe("Auth0 simulator PUT /api/v2/users/{id}/authentication-methods", () => {
  let sim: Auth0Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startAuth0Simulator({ knownUsers: KNOWN, rps: 1000, burst: 1000 });
    token = await accessToken(sim);
  });

  beforeEach(() => {
    sim.reset();
  });

  afterAll(async () => {
    await sim.stop();
  });

  it("replaces the user's methods and answers them with generated ids and created_at", async () => {
    sim.seedMethods("auth0|alice", [{ type: "email", email: "old@example.com" }]);
    const { status, body } = await putMethods(sim, "auth0|alice", [TOTP, PHONE], token);
    expect(status).toBe(200);
    const stored = sim.methodsOf("auth0|alice");
    expect(body).toEqual(stored);
    expect(stored).toEqual([
      { id: expect.stringMatching(/^totp\|dev_[0-9A-Za-z]{16}$/), ...TOTP, created_at: expect.any(String) },
      { id: expect.stringMatching(/^phone\|dev_[0-9A-Za-z]{16}$/), ...PHONE, created_at: expect.any(String) },
    ]);
    expect(new Date(stored[0]?.created_at ?? "").toISOString()).toBe(stored[0]?.created_at);
    expect(sim.stats).toMatchObject({ puts: 1, applied: 1 });
  });

  it("clears the user's methods with an empty array", async () => {
    sim.seedMethods("auth0|bob", [TOTP as { type: "totp"; totp_secret: string }]);
    expect(await putMethods(sim, "auth0|bob", [], token)).toMatchObject({ status: 200, body: [] });
    expect(sim.methodsOf("auth0|bob")).toEqual([]);
  });

  it("decodes a user id whose | was percent-encoded", async () => {
    const response = await fetch(`${sim.url}/api/v2/users/sms%7C%2B4915112345678/authentication-methods`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify([TOTP]),
    });
    expect(response.status).toBe(200);
    expect(sim.methodsOf("sms|+4915112345678")).toHaveLength(1);
  });

  it("answers methods with GET as they were stored", async () => {
    await putMethods(sim, "auth0|alice", [TOTP], token);
    const response = await fetch(`${sim.url}/api/v2/users/auth0%7Calice/authentication-methods`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await response.json()).toEqual(sim.methodsOf("auth0|alice"));
  });

  it("answers 404 inexistent_user for a user the tenant does not have", async () => {
    expect(await putMethods(sim, "auth0|nobody", [TOTP], token)).toMatchObject({
      status: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The user does not exist.",
        errorCode: "inexistent_user",
      },
    });
    expect(sim.allMethods().size).toBe(0);
  });

  it("answers 404 Not Found for a path it does not serve", async () => {
    const response = await fetch(`${sim.url}/api/v2/users/auth0%7Calice`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, error: "Not Found", message: "Not Found" });
  });

  describe("authentication", () => {
    it("answers 401 Missing authentication without a bearer token", async () => {
      expect(await putMethods(sim, "auth0|alice", [TOTP], undefined)).toMatchObject({
        status: 401,
        body: { statusCode: 401, error: "Unauthorized", message: "Missing authentication" },
      });
    });

    it("answers 401 Invalid token for a token it never issued", async () => {
      const { status, headers, body } = await putMethods(sim, "auth0|alice", [TOTP], "not-a-token");
      expect(status).toBe(401);
      expect(headers.get("www-authenticate")).toBe('Bearer error="Invalid token"');
      expect(body).toEqual({
        statusCode: 401,
        error: "Unauthorized",
        message: "Invalid token",
        attributes: { error: "Invalid token" },
      });
    });

    it("answers 401 Expired token once the token's lifetime has passed", async () => {
      let now = Date.UTC(2026, 0, 1);
      const shortLived = await startAuth0Simulator({ tokenLifetimeSeconds: 60, clock: () => now });
      try {
        const { body } = await requestToken(shortLived);
        expect(body).toMatchObject({ expires_in: 60 });
        const expiring = (body as { access_token: string }).access_token;
        now += 59_999;
        expect((await putMethods(shortLived, "auth0|alice", [TOTP], expiring)).status).toBe(200);
        now += 1;
        expect(await putMethods(shortLived, "auth0|alice", [TOTP], expiring)).toMatchObject({
          status: 401,
          body: {
            statusCode: 401,
            error: "Unauthorized",
            message: "Expired token received for JSON Web Token validation",
            attributes: { error: "Expired token received for JSON Web Token validation" },
          },
        });
        expect(
          (await putMethods(shortLived, "auth0|alice", [TOTP], await accessToken(shortLived))).status,
        ).toBe(200);
      } finally {
        await shortLived.stop();
      }
    });

    it("expires every issued token on demand", async () => {
      const own = await accessToken(sim);
      sim.expireTokens();
      expect((await putMethods(sim, "auth0|alice", [TOTP], own)).status).toBe(401);
      token = await accessToken(sim);
    });

    it("answers 403 insufficient_scope for a client without update:authentication_methods", async () => {
      const readOnly = await startAuth0Simulator({
        clients: [{ clientId: "reader", clientSecret: "s", scopes: ["read:users"] }],
      });
      try {
        expect(await putMethods(readOnly, "auth0|alice", [TOTP], await accessToken(readOnly))).toMatchObject({
          status: 403,
          body: {
            statusCode: 403,
            error: "Forbidden",
            message: "Insufficient scope, expected any of: update:authentication_methods",
            errorCode: "insufficient_scope",
          },
        });
      } finally {
        await readOnly.stop();
      }
    });
  });

  describe("body validation", () => {
    it.each([
      [
        "not an array",
        { type: "totp" },
        "Payload validation error: 'Expected type array but found type object'.",
      ],
      [
        "an item that is not an object",
        ["totp"],
        "Payload validation error: 'Expected type object but found type string' on property [0].",
      ],
      [
        "an item without type",
        [{ totp_secret: "JBSWY3DP" }],
        "Payload validation error: 'Missing required property: type' on property [0].",
      ],
      [
        "an unknown type",
        [{ type: "sms" }],
        `Payload validation error: 'No enum match for: "sms"' on property [0].type.`,
      ],
      [
        "a type of the wrong JSON type",
        [{ type: 1 }],
        "Payload validation error: 'Expected type string but found type integer' on property [0].type.",
      ],
      [
        "a phone without phone_number",
        [{ type: "phone" }],
        "Payload validation error: 'Missing required property: phone_number' on property [0].",
      ],
      [
        "an email without email",
        [{ type: "email" }],
        "Payload validation error: 'Missing required property: email' on property [0].",
      ],
      [
        "a totp without totp_secret",
        [{ type: "totp" }],
        "Payload validation error: 'Missing required property: totp_secret' on property [0].",
      ],
      [
        "an unknown field",
        [{ ...TOTP, colour: "red" }],
        "Payload validation error: 'Additional properties not allowed: colour' on property [0].",
      ],
      [
        "preferred_authentication_method on a totp",
        [{ ...TOTP, preferred_authentication_method: "sms" }],
        "Payload validation error: 'Additional properties not allowed: preferred_authentication_method' on property [0].",
      ],
      [
        "a preferred method other than voice or sms",
        [{ ...PHONE, preferred_authentication_method: "push" }],
        `Payload validation error: 'No enum match for: "push"' on property [0].preferred_authentication_method.`,
      ],
      [
        "a name of 21 characters",
        [{ ...TOTP, name: "x".repeat(21) }],
        "Payload validation error: 'String is too long (21 chars), maximum 20' on property [0].name.",
      ],
      [
        "an empty name",
        [{ ...TOTP, name: "" }],
        "Payload validation error: 'String is too short (0 chars), minimum 1' on property [0].name.",
      ],
      [
        "a phone_number of 1 character",
        [{ type: "phone", phone_number: "1" }],
        "Payload validation error: 'String is too short (1 chars), minimum 2' on property [0].phone_number.",
      ],
      [
        "a phone_number of 31 characters",
        [{ type: "phone", phone_number: `+${"1".repeat(30)}` }],
        "Payload validation error: 'String is too long (31 chars), maximum 30' on property [0].phone_number.",
      ],
      [
        "an empty email",
        [{ type: "email", email: "" }],
        "Payload validation error: 'String is too short (0 chars), minimum 1' on property [0].email.",
      ],
      [
        "an empty totp_secret",
        [{ type: "totp", totp_secret: "" }],
        "Payload validation error: 'String is too short (0 chars), minimum 1' on property [0].totp_secret.",
      ],
      [
        "a totp_secret that is not base32",
        [{ type: "totp", totp_secret: "JBSWY3DP1" }],
        "Payload validation error: 'String does not match pattern: ^[A-Za-z2-7]+=*$' on property [0].totp_secret.",
      ],
      [
        "a bad second item",
        [TOTP, { type: "totp", totp_secret: 7 }],
        "Payload validation error: 'Expected type string but found type integer' on property [1].totp_secret.",
      ],
      [
        "email next to another factor",
        [{ type: "email", email: "a@example.com" }, TOTP],
        "The email authentication method is only supported when the user has no other factors available.",
      ],
    ])("answers 400 invalid_body for %s", async (_case, body, message) => {
      expect(await putMethods(sim, "auth0|alice", body, token)).toMatchObject({
        status: 400,
        body: payloadError(message),
      });
      expect(sim.methodsOf("auth0|alice")).toEqual([]);
    });

    it("accepts a name of 20 characters counted as code points, not bytes", async () => {
      const name = "é".repeat(19).concat("😀");
      expect((await putMethods(sim, "auth0|alice", [{ ...TOTP, name }], token)).status).toBe(200);
    });

    it("accepts email as the only factor", async () => {
      expect(
        (await putMethods(sim, "auth0|alice", [{ type: "email", email: "a@example.com" }], token)).status,
      ).toBe(200);
    });

    it("validates the body before looking the user up", async () => {
      expect((await putMethods(sim, "auth0|nobody", [{ type: "sms" }], token)).status).toBe(400);
    });

    it("answers 400 for a body that is not JSON", async () => {
      expect(await putMethods(sim, "auth0|alice", "[{", token)).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: "Bad Request", message: "Invalid request payload JSON format" },
      });
    });

    it("answers 415 for a body that is not sent as JSON", async () => {
      expect(
        await putMethods(sim, "auth0|alice", "type=totp", token, {
          "content-type": "application/x-www-form-urlencoded",
        }),
      ).toMatchObject({
        status: 415,
        body: { statusCode: 415, error: "Unsupported Media Type", message: "Unsupported Media Type" },
      });
    });
  });
});
