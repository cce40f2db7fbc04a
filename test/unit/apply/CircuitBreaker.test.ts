import { describe, expect, it } from "vitest";
import { CircuitBreaker, type CircuitState } from "../../../lib/apply/CircuitBreaker.js";

const START = Date.UTC(2026, 11, 1, 12, 3, 10);

function breaker(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  let now = START;
  const changes: CircuitState[] = [];
  const circuit = new CircuitBreaker({
    probeIntervalMs: 30_000,
    clock: () => now,
    onChange: (state) => changes.push(state),
    ...options,
  });
  return {
    circuit,
    changes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const unavailableSince = (sinceMs: number, nextProbeAtMs: number, lastStatus: number | string = 503) => ({
  status: "open",
  reason: "unavailable",
  sinceMs,
  lastStatus,
  lastMessage: "Service Unavailable",
  nextProbeAtMs,
  probeIntervalMs: 30_000,
});

describe("CircuitBreaker", () => {
  it("opens after five failures in a row from more than one user, and holds every call", () => {
    const { circuit, changes } = breaker();
    for (const user of ["a", "b", "c", "d"]) circuit.recordFailure(503, "Service Unavailable", user);
    expect(circuit.permit()).toBe("call");
    circuit.recordFailure(503, "Service Unavailable", "e");
    expect(circuit.state).toEqual(unavailableSince(START, START + 30_000));
    expect(changes).toEqual([unavailableSince(START, START + 30_000)]);
    expect(circuit.permit()).toBe("hold");
  });

  it("does not open on failures with an answer from Auth0 in between", () => {
    const { circuit } = breaker();
    for (let i = 0; i < 20; i++) {
      circuit.recordFailure(503, "Service Unavailable", `u${i}`);
      if (i % 4 === 3) circuit.recordAnswer();
    }
    expect(circuit.state).toEqual({ status: "closed" });
  });

  it("does not open on one user's persistent 5xx, however many", () => {
    const { circuit } = breaker();
    for (let i = 0; i < 20; i++) circuit.recordFailure(500, "Internal", "only-user");
    expect(circuit.state).toEqual({ status: "closed" });
  });

  it("counts each token endpoint failure as its own source", () => {
    const { circuit } = breaker();
    for (let i = 0; i < 5; i++) circuit.recordFailure("timeout", "token request failed");
    expect(circuit.state).toMatchObject({ status: "open", reason: "unavailable", lastStatus: "timeout" });
  });

  it("lets one probe through per interval, keeps the first failure time, and closes when Auth0 answers", () => {
    const { circuit, advance, changes } = breaker();
    for (const user of ["a", "b", "c", "d", "e"]) circuit.recordFailure(503, "Service Unavailable", user);
    advance(29_999);
    expect(circuit.permit()).toBe("hold");
    advance(1);
    expect(circuit.permit()).toBe("probe");
    expect(circuit.permit()).toBe("hold");
    advance(2_000);
    circuit.recordFailure("timeout", "no response within 10000 ms", "f");
    expect(circuit.state).toEqual({
      ...unavailableSince(START, START + 62_000, "timeout"),
      lastMessage: "no response within 10000 ms",
    });
    advance(30_000);
    expect(circuit.permit()).toBe("probe");
    circuit.recordAnswer();
    expect(circuit.state).toEqual({ status: "closed" });
    expect(circuit.permit()).toBe("call");
    expect(changes.map((state) => state.status)).toEqual(["open", "open", "closed"]);
  });

  it("allows a new probe when the last one never reported within an interval", () => {
    const { circuit, advance } = breaker();
    for (const user of ["a", "b", "c", "d", "e"]) circuit.recordFailure(503, "Service Unavailable", user);
    advance(30_000);
    expect(circuit.permit()).toBe("probe");
    advance(29_999);
    expect(circuit.permit()).toBe("hold");
    advance(1);
    expect(circuit.permit()).toBe("probe");
  });

  it("closes when the failures since it opened are all one user's probes (that user's own failure)", () => {
    const { circuit, advance } = breaker();
    for (const user of ["a", "b", "c", "d", "e"]) circuit.recordFailure(503, "Service Unavailable", user);
    for (let probe = 0; probe < 4; probe++) {
      advance(30_000);
      expect(circuit.permit()).toBe("probe");
      circuit.recordFailure(500, "Internal", "lonely");
      expect(circuit.state.status).toBe("open");
    }
    advance(30_000);
    expect(circuit.permit()).toBe("probe");
    circuit.recordFailure(500, "Internal", "lonely");
    expect(circuit.state).toEqual({ status: "closed" });
  });

  it("opens at once on a configuration error, and a probe that still meets it keeps it open", () => {
    const { circuit, advance } = breaker();
    circuit.recordConfigurationError("token-refused", 401, "token request failed: Unauthorized");
    const paused = {
      status: "open",
      reason: "configuration",
      sinceMs: START,
      lastStatus: 401,
      lastMessage: "token request failed: Unauthorized",
      problem: "token-refused",
      nextProbeAtMs: START + 30_000,
      probeIntervalMs: 30_000,
    };
    expect(circuit.state).toEqual(paused);
    advance(30_000);
    expect(circuit.permit()).toBe("probe");
    circuit.recordConfigurationError("token-refused", 401, "token request failed: Unauthorized");
    expect(circuit.state).toEqual({ ...paused, nextProbeAtMs: START + 60_000 });
    advance(30_000);
    expect(circuit.permit()).toBe("probe");
    circuit.recordAnswer();
    expect(circuit.state).toEqual({ status: "closed" });
  });

  it.each([
    [{ failureThreshold: 0 }, "failureThreshold must be an integer ≥ 1, got 0"],
    [{ minDistinctSources: 0 }, "minDistinctSources must be an integer ≥ 1, got 0"],
    [{ probeIntervalMs: 0 }, "probeIntervalMs must be > 0, got 0"],
  ])("refuses %j", (options, message) => {
    expect(() => new CircuitBreaker(options)).toThrow(new RangeError(message));
  });
});
