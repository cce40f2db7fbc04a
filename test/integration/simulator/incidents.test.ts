import { afterEach, describe, expect, it } from "vitest";
import {
  type Auth0Simulator,
  CONTROL_PATH,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_SCOPES,
  SimulatorOptionsError,
  startAuth0Simulator,
} from "../../../lib/simulator/index.js";
import { accessToken, putMethods, requestToken } from "../../helpers/auth0SimulatorClient.js";

const TOTP = [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }];
const START = Date.UTC(2026, 11, 1, 12, 0, 0);

describe("Auth0 simulator incidents", () => {
  const started: Auth0Simulator[] = [];
  let now = START;
  const start = async (...args: Parameters<typeof startAuth0Simulator>) => {
    const sim = await startAuth0Simulator({ clock: () => now, ...args[0] });
    started.push(sim);
    return sim;
  };

  afterEach(async () => {
    now = START;
    await Promise.all(started.splice(0).map((sim) => sim.stop()));
  });

  const control = async (sim: Auth0Simulator, body: unknown) => {
    const response = await fetch(`${sim.url}${CONTROL_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };

  describe("outage windows", () => {
    it("fails every call, the token endpoint included, with the status inside the window only", async () => {
      const sim = await start();
      const token = await accessToken(sim);
      sim.scheduleOutage({ afterMs: 5_000, forMs: 60_000, status: 502 });
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
      now += 5_000;
      expect(await putMethods(sim, "auth0|a", TOTP, token)).toMatchObject({
        status: 502,
        body: { statusCode: 502, error: "Bad Gateway", message: "Bad Gateway" },
      });
      expect((await requestToken(sim)).status).toBe(502);
      expect(sim.incidents).toEqual({
        outage: {
          mode: "error",
          status: 502,
          startsAt: "2026-12-01T12:00:05.000Z",
          endsAt: "2026-12-01T12:01:05.000Z",
          active: true,
        },
      });
      now += 60_000;
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
      expect((await requestToken(sim)).status).toBe(200);
      expect(sim.stats).toMatchObject({ outageFailures: 2, applied: 2, puts: 3 });
    });

    it("starts afterMs after the first Management API request when scheduled from it", async () => {
      const sim = await start();
      sim.scheduleOutage({ afterMs: 5_000, forMs: 10_000, from: "firstRequest" });
      now += 3_600_000;
      const token = await accessToken(sim);
      expect(sim.incidents.outage).toEqual({ mode: "error", status: 503, active: false });
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
      now += 4_999;
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
      now += 1;
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(503);
      now += 10_000;
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
    });

    it("destroys every connection in reset mode, token requests too", async () => {
      const sim = await start();
      const token = await accessToken(sim);
      sim.scheduleOutage({ mode: "reset" });
      await expect(putMethods(sim, "auth0|a", TOTP, token)).rejects.toThrow(TypeError);
      await expect(requestToken(sim)).rejects.toThrow(TypeError);
      expect(sim.stats).toMatchObject({ resets: 2, outageFailures: 2, applied: 0 });
      sim.endOutage();
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
    });

    it("answers nothing in timeout mode, so the client's own timeout fires", async () => {
      const sim = await start();
      sim.scheduleOutage({ mode: "timeout" });
      const request = fetch(`${sim.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(200),
      });
      await expect(request).rejects.toMatchObject({ name: "TimeoutError" });
      expect(sim.stats).toMatchObject({ outageFailures: 1, tokensIssued: 0 });
    });

    it.each([
      [{ afterMs: -1 }, "outage.afterMs"],
      [{ forMs: 0 }, "outage.forMs"],
      [{ status: 429 }, "outage.status"],
    ])("refuses the schedule %j", async (schedule, option) => {
      const sim = await start();
      expect(() => sim.scheduleOutage(schedule)).toThrow(SimulatorOptionsError);
      expect(() => sim.scheduleOutage(schedule)).toThrow(option);
    });
  });

  describe("configuration errors", () => {
    it("refuses every client at the token endpoint with Auth0's 401 or 403 bodies until told to stop", async () => {
      const sim = await start({ tokenRefusal: 401 });
      expect(await requestToken(sim)).toMatchObject({
        status: 401,
        body: { error: "access_denied", error_description: "Unauthorized" },
      });
      sim.refuseTokens(403);
      expect(await requestToken(sim)).toMatchObject({
        status: 403,
        body: {
          error: "access_denied",
          error_description: `Client is not authorized to access "${sim.audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
        },
      });
      sim.refuseTokens(undefined);
      expect((await requestToken(sim)).status).toBe(200);
    });

    it("issues tokens without update:authentication_methods until the scope is granted; old tokens keep theirs", async () => {
      const sim = await start({
        clients: [{ clientId: "c", clientSecret: "s", scopes: ["read:users"] }],
      });
      const narrow = await accessToken(sim);
      expect(await putMethods(sim, "auth0|a", TOTP, narrow)).toMatchObject({
        status: 403,
        body: {
          statusCode: 403,
          error: "Forbidden",
          message: "Insufficient scope, expected any of: update:authentication_methods",
          errorCode: "insufficient_scope",
        },
      });
      sim.setClientScopes(DEFAULT_SCOPES);
      expect((await putMethods(sim, "auth0|a", TOTP, narrow)).status).toBe(403);
      expect((await putMethods(sim, "auth0|a", TOTP, await accessToken(sim))).status).toBe(200);
    });

    it("refuses the old secret and accepts the new one once the secret is rotated", async () => {
      const sim = await start();
      const old = sim.clientSecret;
      sim.setClientSecret("rotated-secret");
      expect(sim.clientSecret).toBe("rotated-secret");
      expect((await requestToken(sim, { client_secret: old })).status).toBe(401);
      expect((await requestToken(sim, { client_secret: "" })).status).toBe(401);
      expect((await requestToken(sim, { client_secret: "rotated-secret" })).status).toBe(200);
    });
  });

  it("answers one user's PUTs with a 5xx while the others apply", async () => {
    const sim = await start();
    const token = await accessToken(sim);
    sim.failUser("auth0|sick", 500);
    expect(await putMethods(sim, "auth0|sick", TOTP, token)).toMatchObject({
      status: 500,
      body: { statusCode: 500, message: "An internal server error occurred" },
    });
    expect((await putMethods(sim, "auth0|well", TOTP, token)).status).toBe(200);
    sim.failUser("auth0|sick", undefined);
    expect((await putMethods(sim, "auth0|sick", TOTP, token)).status).toBe(200);
    expect(() => sim.failUser("auth0|sick", 404)).toThrow(SimulatorOptionsError);
  });

  describe("the control route", () => {
    it("is not served unless asked for", async () => {
      const sim = await start();
      expect((await control(sim, { outage: {} })).status).toBe(404);
    });

    it("schedules and ends outages, refuses tokens and grants scopes while the simulator runs", async () => {
      const sim = await start({ control: true });
      const token = await accessToken(sim);
      expect(await control(sim, { outage: { afterSeconds: 0, forSeconds: 900, status: 500 } })).toEqual({
        status: 200,
        body: {
          outage: {
            mode: "error",
            status: 500,
            startsAt: "2026-12-01T12:00:00.000Z",
            endsAt: "2026-12-01T12:15:00.000Z",
            active: true,
          },
        },
      });
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(500);
      expect(await control(sim, { outage: null, tokenRefusal: 401 })).toEqual({
        status: 200,
        body: { tokenRefusal: 401 },
      });
      expect((await requestToken(sim)).status).toBe(401);
      expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
      await control(sim, { tokenRefusal: null, scopes: ["read:users"], clientSecret: "new" });
      expect((await requestToken(sim, { client_secret: DEFAULT_CLIENT_SECRET })).status).toBe(401);
      const narrow = await requestToken(sim);
      expect(narrow.body).toMatchObject({ scope: "read:users" });
      const response = await fetch(`${sim.url}${CONTROL_PATH}`);
      expect(await response.json()).toEqual({});
    });

    it.each([
      [{ outage: { forSeconds: -1 } }, "outage.forSeconds: Too small: expected number to be >0"],
      [{ tokenRefusal: 500 }, "tokenRefusal: Invalid input"],
      [
        { faults: { errorRate: 2 } },
        "invalid simulator option faults.errorRate: must be between 0 and 1, got 2",
      ],
      [{ unknown: true }, 'body: Unrecognized key: "unknown"'],
    ])("answers 400 naming the problem for %j", async (body, message) => {
      const sim = await start({ control: true });
      expect(await control(sim, body)).toEqual({
        status: 400,
        body: { error: "invalid_control_request", message },
      });
    });
  });
});
