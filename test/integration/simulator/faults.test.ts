import { afterEach, describe, expect, it } from "vitest";
import {
  type Auth0Simulator,
  SimulatorOptionsError,
  startAuth0Simulator,
} from "../../../lib/simulator/index.js";
import { accessToken, putMethods } from "../../helpers/auth0SimulatorClient.js";

const TOTP = [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }];

describe("Auth0 simulator injected faults", () => {
  const started: Auth0Simulator[] = [];
  const start = async (...args: Parameters<typeof startAuth0Simulator>) => {
    const sim = await startAuth0Simulator(...args);
    started.push(sim);
    return sim;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((sim) => sim.stop()));
  });

  it("answers every request with the configured 5xx at errorRate 1, rate-limit headers included", async () => {
    const sim = await start({ faults: { errorRate: 1, errorStatus: 502 } });
    const token = await accessToken(sim);
    const { status, headers, body } = await putMethods(sim, "auth0|a", TOTP, token);
    expect(status).toBe(502);
    expect(headers.get("x-ratelimit-limit")).toBe("50");
    expect(body).toEqual({ statusCode: 502, error: "Bad Gateway", message: "Bad Gateway" });
    expect(sim.methodsOf("auth0|a")).toEqual([]);
  });

  it("destroys the connection without a response at resetRate 1", async () => {
    const sim = await start({ faults: { resetRate: 1 } });
    const token = await accessToken(sim);
    await expect(putMethods(sim, "auth0|a", TOTP, token)).rejects.toThrow(TypeError);
    expect(sim.stats).toMatchObject({ resets: 1, puts: 1, applied: 0 });
    expect(sim.methodsOf("auth0|a")).toEqual([]);
  });

  it("stops injecting faults once they are switched off at run time", async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const token = await accessToken(sim);
    expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(503);
    sim.setFaults({ errorRate: 0 });
    expect((await putMethods(sim, "auth0|a", TOTP, token)).status).toBe(200);
  });

  it("answers 429 rather than a fault when the bucket is empty", async () => {
    const sim = await start({ rps: 0.001, burst: 1, faults: { errorRate: 1 } });
    sim.consume(1);
    const { status } = await putMethods(sim, "auth0|a", TOTP, await accessToken(sim));
    expect(status).toBe(429);
  });

  it("injects the same faults in the same order for the same seed", async () => {
    const statusesFor = async (seed: number) => {
      const sim = await start({ seed, faults: { errorRate: 0.5 } });
      const token = await accessToken(sim);
      const statuses = [];
      for (let i = 0; i < 16; i++) statuses.push((await putMethods(sim, "auth0|a", TOTP, token)).status);
      return statuses;
    };
    const first = await statusesFor(7);
    expect(await statusesFor(7)).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(503);
  });

  it("holds a slow response long enough for a client timeout to fire", async () => {
    const sim = await start({ faults: { slowRate: 1, slowMs: 10_000 } });
    const token = await accessToken(sim);
    const request = fetch(`${sim.url}/api/v2/users/auth0%7Ca/authentication-methods`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(TOTP),
      signal: AbortSignal.timeout(200),
    });
    await expect(request).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("delays every Management API response by the latency set at run time", async () => {
    const sim = await start();
    const token = await accessToken(sim);
    sim.setLatency([10_000, 10_000]);
    const request = fetch(`${sim.url}/api/v2/users/auth0%7Ca/authentication-methods`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(TOTP),
      signal: AbortSignal.timeout(200),
    });
    await expect(request).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it.each([
    [{ faults: { errorRate: 1.5 } }, "faults.errorRate"],
    [{ faults: { errorStatus: 404 } }, "faults.errorStatus"],
    [{ latencyMs: [50, 10] as const }, "latencyMs"],
    [{ rps: 0 }, "rps"],
    [{ burst: 2.5 }, "burst"],
    [{ tokenLifetimeSeconds: 0 }, "tokenLifetimeSeconds"],
  ])("refuses %j with a SimulatorOptionsError naming the option", async (options, option) => {
    const error = await startAuth0Simulator(options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SimulatorOptionsError);
    expect(error).toMatchObject({ option });
  });

  it("refuses a bad knob at run time and keeps the old one", async () => {
    const sim = await start({ rps: 0.001, burst: 2 });
    expect(() => sim.setLatency([-1, 5])).toThrow(SimulatorOptionsError);
    expect(() => sim.setRateLimit({ burst: 0 })).toThrow(SimulatorOptionsError);
    expect(sim.rateLimit()).toMatchObject({ limit: 2 });
  });
});
