import { afterEach, describe, expect, it } from "vitest";
import { type Auth0Simulator, startAuth0Simulator } from "../../../lib/simulator/index.js";
import { accessToken, putMethods } from "../../helpers/auth0SimulatorClient.js";

const TOTP = [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }];

function rateLimitHeaders(headers: Headers) {
  return {
    limit: Number(headers.get("x-ratelimit-limit")),
    remaining: Number(headers.get("x-ratelimit-remaining")),
    reset: Number(headers.get("x-ratelimit-reset")),
  };
}

describe("Auth0 simulator rate limit", () => {
  let sim: Auth0Simulator | undefined;

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it("answers exactly `burst` requests of a concurrent burst and 429 to the rest", async () => {
    // A refill of one token per 1,000 s is negligible during the test: only the bucket's content counts.
    sim = await startAuth0Simulator({ rps: 0.001, burst: 5 });
    const token = await accessToken(sim);
    const running = sim;
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => putMethods(running, "auth0|a", TOTP, token)),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(5);
    const throttled = responses.filter((response) => response.status === 429);
    expect(throttled).toHaveLength(7);
    for (const response of throttled) {
      expect(response.body).toEqual({
        statusCode: 429,
        error: "Too Many Requests",
        message: "Global limit has been reached",
        errorCode: "too_many_requests",
      });
    }
    expect(sim.stats).toMatchObject({ throttled: 7, puts: 12, applied: 5, byStatus: { 200: 6, 429: 7 } });
  });

  it("reports the bucket on every Management API response, consistently with its size and refill", async () => {
    // The simulator's clock stands still at a whole second: its resets are exact, however slow the machine.
    const nowSeconds = 1_764_000_000;
    sim = await startAuth0Simulator({ rps: 0.001, burst: 3, clock: () => nowSeconds * 1000 });
    const token = await accessToken(sim);
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const { status, headers } = await putMethods(sim, "auth0|a", TOTP, token);
      seen.push({ status, ...rateLimitHeaders(headers) });
    }
    const unauthorized = await putMethods(sim, "auth0|a", TOTP, "bad-token");
    expect(rateLimitHeaders(unauthorized.headers)).toMatchObject({ limit: 3, remaining: 0 });
    expect(seen.map(({ status, limit, remaining }) => ({ status, limit, remaining }))).toEqual([
      { status: 200, limit: 3, remaining: 2 },
      { status: 200, limit: 3, remaining: 1 },
      { status: 200, limit: 3, remaining: 0 },
      { status: 429, limit: 3, remaining: 0 },
    ]);
    // reset is when the bucket is full again: one token takes 1,000 s, so an empty bucket is 3,000 s away.
    expect(seen.map(({ reset }) => reset - nowSeconds)).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it("does not rate-limit or count the token endpoint", async () => {
    sim = await startAuth0Simulator({ rps: 0.001, burst: 1 });
    await accessToken(sim);
    const response = await fetch(`${sim.url}/oauth/token`, { method: "POST" });
    expect(response.headers.get("x-ratelimit-limit")).toBeNull();
    expect(sim.rateLimit()).toMatchObject({ limit: 1, remaining: 1 });
  });

  it("lets live traffic take tokens from the same bucket", async () => {
    sim = await startAuth0Simulator({ rps: 0.001, burst: 10 });
    expect(sim.consume(8)).toMatchObject({ limit: 10, remaining: 2 });
    const token = await accessToken(sim);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await putMethods(sim, "auth0|a", TOTP, token)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("applies a new rate limit at run time and fills the bucket on reset", async () => {
    sim = await startAuth0Simulator({ rps: 0.001, burst: 2 });
    sim.consume(2);
    sim.setRateLimit({ burst: 1 });
    expect(sim.rateLimit()).toMatchObject({ limit: 1, remaining: 0 });
    sim.reset();
    expect(sim.rateLimit()).toMatchObject({ limit: 1, remaining: 1 });
  });
});
