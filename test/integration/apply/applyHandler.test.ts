import { afterEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../../lib/apply/CircuitBreaker.js";
import { createApplyDeps } from "../../../lib/apply/createApplyDeps.js";
import { createApplyHandler } from "../../../lib/apply/createApplyHandler.js";
import { SqsApplyQueue } from "../../../lib/apply/SqsApplyQueue.js";
import type { ApplyOptions } from "../../../lib/apply/types.js";
import { toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";
import { ManagementApiClient } from "../../../lib/auth0/ManagementApiClient.js";
import { TokenProvider } from "../../../lib/auth0/TokenProvider.js";
import type { AuthenticationMethod, UserFactors } from "../../../lib/factors/types.js";
import { Pacer, type PacerOptions } from "../../../lib/pacing/Pacer.js";
import {
  type Auth0Simulator,
  type Auth0SimulatorOptions,
  DEFAULT_SCOPES,
  startAuth0Simulator,
} from "../../../lib/simulator/index.js";
import { messageBody, TEST_SOURCE, userFactors } from "../../helpers/applyRecords.js";
import { capturedLogger, sensitiveValues } from "../../helpers/capturedLogger.js";
import {
  deliverOnce,
  drainDeadLetters,
  runEventSource,
  type SqsEmulator,
  type SqsEmulatorOptions,
  sendBodies,
  startSqsEmulator,
} from "../../helpers/sqsEmulator.js";

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

interface SetupOptions {
  simulator?: Auth0SimulatorOptions;
  queue?: SqsEmulatorOptions;
  pacer?: PacerOptions;
  apply?: ApplyOptions;
  requestTimeoutMs?: number;
  /** The token provider's clock (the simulator's is `simulator.clock`). @default Date.now */
  tokenClock?: () => number;
  /** The container's circuit breaker. @default none */
  circuit?: CircuitBreaker;
}

/** The apply handler wired to a simulator over HTTP and fauxqs, as the Lambda would be. */
async function setup(options: SetupOptions = {}) {
  const sim = await startAuth0Simulator({ rps: 10_000, burst: 10_000, ...options.simulator });
  stops.push(() => sim.stop());
  const emulator = await startSqsEmulator(options.queue);
  stops.push(() => emulator.stop());
  const endpoint = toAuth0Endpoint(sim.url);
  const tokens = new TokenProvider({
    endpoint,
    credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
    clock: options.tokenClock,
  });
  const client = new ManagementApiClient({ endpoint, tokens, timeoutMs: options.requestTimeoutMs ?? 5_000 });
  const { logger, lines } = capturedLogger();
  const handle = createApplyHandler({
    client,
    pacer: new Pacer({ rpsCeiling: 2_000, maxConcurrency: 1, jitterMs: 20, ...options.pacer }),
    queue: new SqsApplyQueue({ sqs: emulator.sqs, dlqUrl: emulator.dlqUrl, logger }),
    logger,
    options: { redeliveryBaseSeconds: 1, timeMarginMs: 0, ...options.apply },
    ...(options.circuit ? { circuit: options.circuit } : {}),
  });
  // Driven by the local runtime's SqsEventSource, whose context counts down from the function timeout.
  const invoke = handle;
  return { sim, emulator, handle, invoke, lines, tokens };
}

/** Sends each user's message to the work queue. */
async function enqueue(emulator: SqsEmulator, users: UserFactors[]): Promise<string[]> {
  return sendBodies(emulator, users.map(messageBody));
}

/** A user's methods in the simulator, without what the tenant adds (id, created_at). */
function stateOf(sim: Auth0Simulator, userId: string): AuthenticationMethod[] {
  return sim
    .methodsOf(userId)
    .map(({ id: _id, created_at: _createdAt, ...method }) => method as AuthenticationMethod);
}

function expectApplied(sim: Auth0Simulator, users: UserFactors[]) {
  for (const user of users) expect(stateOf(sim, user.userId), user.userId).toEqual(user.methods);
}

function expectNoSensitiveLogs(lines: string[], users: UserFactors[]) {
  const output = lines.join("\n");
  for (const value of sensitiveValues(users.map((user) => user.methods))) expect(output).not.toContain(value);
}

/** The DLQ attributes apply writes for a user given up on. */
function reasonOf(user: UserFactors, fields: Record<string, string>) {
  return {
    ...fields,
    failedAt: expect.stringMatching(ISO_TIME),
    sourceKey: TEST_SOURCE.key,
    sourceLine: String(user.line),
    userId: user.userId,
  };
}

describe("apply handler against the simulator and fauxqs", () => {
  it("applies thousands of users with one token request and leaves the tenant in the desired state", async () => {
    const { sim, emulator, invoke, lines } = await setup();
    const users = Array.from({ length: 2_000 }, (_, n) => userFactors(n));
    await enqueue(emulator, users);
    await runEventSource(emulator, invoke, { workers: 4 });
    expect(sim.stats.tokensIssued).toBe(1);
    expect(sim.stats.applied).toBe(2_000);
    expect(await drainDeadLetters(emulator)).toEqual([]);
    expectApplied(sim, users);
    expectNoSensitiveLogs(lines(), users);
  });

  it("works with the clients built from settings, as the Lambda builds them from its environment", async () => {
    const { sim, emulator } = await setup();
    const { logger, lines } = capturedLogger();
    const deps = createApplyDeps(
      {
        auth0Domain: sim.url,
        credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
        dlqUrl: emulator.dlqUrl,
        rpsCeiling: 500,
        maxConcurrency: 1,
      },
      { sqs: emulator.sqs, logger },
    );
    const handle = createApplyHandler(deps);
    const users = Array.from({ length: 30 }, (_, n) => userFactors(n));
    await enqueue(emulator, users);
    await runEventSource(emulator, handle);
    expect(deps.tokens.fetchCount).toBe(1);
    expectApplied(sim, users);
    expect(lines().filter((line) => line.includes('"batch done"'))).toHaveLength(3);
  });

  it("fetches a new token before the cached one expires", async () => {
    // One clock for the client and the tenant, moved by the test: the cached token cannot expire mid-batch
    // however slow the machine, and its lifetime passes between the batches without a real wait.
    let now = Date.now();
    const clock = () => now;
    const { sim, emulator, invoke } = await setup({
      simulator: { tokenLifetimeSeconds: 1, clock },
      tokenClock: clock,
    });
    const users = Array.from({ length: 20 }, (_, n) => userFactors(n));
    await enqueue(emulator, users.slice(0, 10));
    await runEventSource(emulator, invoke);
    now += 1_100;
    await enqueue(emulator, users.slice(10));
    await runEventSource(emulator, invoke);
    expect(sim.stats.tokensIssued).toBe(2);
    expect(sim.stats.byStatus[401]).toBeUndefined();
    expectApplied(sim, users);
  });

  it("refreshes a revoked token once and applies every user", async () => {
    const { sim, emulator, invoke } = await setup();
    const users = Array.from({ length: 20 }, (_, n) => userFactors(n));
    await enqueue(emulator, users.slice(0, 10));
    await runEventSource(emulator, invoke);
    sim.expireTokens();
    await enqueue(emulator, users.slice(10));
    await runEventSource(emulator, invoke);
    expect(sim.stats.tokensIssued).toBe(2);
    expect(sim.stats.byStatus[401]).toBeGreaterThan(0);
    expect(await drainDeadLetters(emulator)).toEqual([]);
    expectApplied(sim, users);
  });

  it("holds a record whose 401 persists after the refresh (a configuration error), dead-letters nothing", async () => {
    // Tokens that live 1 ms on a simulator clock that moves 10 ms at every reading: every token, the refreshed
    // one too, has expired by the time a PUT presents it, however fast the machine (no race with real time).
    let now = Date.now();
    const clock = () => {
      now += 10;
      return now;
    };
    const circuit = new CircuitBreaker({ probeIntervalMs: 60_000 });
    const { emulator, invoke } = await setup({ simulator: { tokenLifetimeSeconds: 0.001, clock }, circuit });
    const user = userFactors(1);
    const [messageId] = await enqueue(emulator, [user]);
    const { response } = await deliverOnce(emulator, invoke);
    // Sent back as a new message, delayed about one probe interval, with its history; the old one deleted.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(circuit.state).toMatchObject({ status: "open", reason: "configuration", problem: "unauthorized" });
    const { delayed, ready, inFlight } = emulator.inspectWork();
    expect({ ready: ready.length, inFlight: inFlight.length }).toEqual({ ready: 0, inFlight: 0 });
    expect(delayed.map((message) => message.body)).toEqual([messageBody(user)]);
    expect(delayed[0]?.messageId).not.toBe(messageId);
    expect(await drainDeadLetters(emulator)).toEqual([]);
  });

  it("dead-letters unknown users (404) and invalid bodies (400) with Auth0's reasons, and applies the rest", async () => {
    const { sim, emulator, invoke, lines } = await setup({
      simulator: { knownUsers: (userId) => userId !== "auth0|user-3" },
    });
    const good = [0, 1, 2, 4].map((n) => userFactors(n));
    const unknown = userFactors(3);
    const badName = userFactors(5, [
      { type: "totp", totp_secret: "JBSWY3DPEHPK3PXP", name: "a name of more than twenty" },
    ]);
    await enqueue(emulator, [...good, unknown, badName]);
    await runEventSource(emulator, invoke);
    const dead = await drainDeadLetters(emulator);
    expect(dead.sort((a, b) => a.body.localeCompare(b.body))).toEqual(
      [
        {
          body: messageBody(unknown),
          attributes: reasonOf(unknown, {
            status: "404",
            errorCode: "inexistent_user",
            message: "The user does not exist.",
            attempts: "1",
          }),
        },
        {
          body: messageBody(badName),
          attributes: reasonOf(badName, {
            status: "400",
            errorCode: "invalid_body",
            message: expect.stringContaining("name"),
            attempts: "1",
          }),
        },
      ].sort((a, b) => a.body.localeCompare(b.body)),
    );
    expectApplied(sim, good);
    expect(sim.methodsOf(unknown.userId)).toEqual([]);
    expectNoSensitiveLogs(lines(), [...good, unknown, badName]);
  });

  it("holds a record while the client lacks the update scope, and applies it once the scope is granted", async () => {
    const circuit = new CircuitBreaker({ probeIntervalMs: 1_000 });
    const { sim, emulator, invoke } = await setup({
      simulator: { clients: [{ clientId: "narrow", clientSecret: "narrow-secret", scopes: ["read:users"] }] },
      circuit,
    });
    const user = userFactors(1);
    await enqueue(emulator, [user]);
    expect((await deliverOnce(emulator, invoke)).response).toEqual({ batchItemFailures: [] });
    expect(circuit.state).toMatchObject({
      status: "open",
      reason: "configuration",
      problem: "missing-scope",
    });
    expect(emulator.inspectWork().delayed).toHaveLength(1);
    sim.setClientScopes(DEFAULT_SCOPES);
    await runEventSource(emulator, invoke);
    expect(circuit.state).toEqual({ status: "closed" });
    expect(await drainDeadLetters(emulator)).toEqual([]);
    expectApplied(sim, [user]);
    // The token without the scope was dropped: a second one carries the grant.
    expect(sim.stats.tokensIssued).toBe(2);
  });

  it("returns 5xx failures for redelivery with a short visibility delay, then dead-letters them on the last receive", async () => {
    const { emulator, invoke, sim } = await setup({
      simulator: { faults: { errorRate: 1 } },
      queue: { maxReceiveCount: 2 },
      apply: { maxReceiveCount: 2, redeliveryBaseSeconds: 1, backoff: { baseMs: 10, maxMs: 20 } },
    });
    const user = userFactors(1);
    const [messageId] = await enqueue(emulator, [user]);

    const before = Date.now();
    const { response } = await deliverOnce(emulator, invoke);
    const after = Date.now();
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: messageId }] });
    // Visible again 1 s (the first receive's delay, 1 s ± 20 % rounded) after the handler changed its
    // visibility, within this delivery: not after the queue's 360 s visibility timeout.
    const [inflight] = emulator.inspectWork().inFlight;
    expect(inflight?.messageId).toBe(messageId);
    expect(inflight?.visibleAtMs).toBeGreaterThanOrEqual(before + 1_000);
    expect(inflight?.visibleAtMs).toBeLessThanOrEqual(after + 1_000);
    expect(await drainDeadLetters(emulator)).toEqual([]);

    await runEventSource(emulator, invoke);
    expect(sim.stats.byStatus[503]).toBe(6);
    expect(await drainDeadLetters(emulator)).toEqual([
      {
        body: messageBody(user),
        attributes: reasonOf(user, {
          status: "503",
          // Its real attempts over both receives, and since its first receive.
          message: expect.stringMatching(
            /^Service Unavailable \(6 attempts since \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
          ),
          attempts: "6",
        }),
      },
    ]);
  });

  it.each([
    [
      "reset connections",
      { faults: { resetRate: 1 } },
      { status: "network", message: expect.stringMatching(/^connection error \(.*\) \(2 attempts since /) },
    ],
    [
      "requests that time out",
      { faults: { slowRate: 1, slowMs: 1_000 } },
      { status: "timeout", message: expect.stringMatching(/^no response within 200 ms \(2 attempts since /) },
    ],
  ])("dead-letters %s on the last receive with their reason", async (_case, simulator, fields) => {
    const { emulator, invoke } = await setup({
      simulator,
      requestTimeoutMs: 200,
      queue: { maxReceiveCount: 1 },
      apply: { maxReceiveCount: 1, attemptsPerReceive: 2, backoff: { baseMs: 10, maxMs: 20 } },
    });
    const user = userFactors(1);
    await enqueue(emulator, [user]);
    await runEventSource(emulator, invoke);
    expect(await drainDeadLetters(emulator)).toEqual([
      { body: messageBody(user), attributes: reasonOf(user, { ...fields, attempts: "2" }) },
    ]);
  });

  it("waits out a 429 storm and applies everyone, with nothing in the DLQ", async () => {
    // A fleet ceiling far above the tenant's 20 rps: the bucket empties at once and stays empty.
    const { sim, emulator, invoke, lines } = await setup({
      simulator: { rps: 20, burst: 5 },
      pacer: { rpsCeiling: 1_000, budgetShare: 1 },
    });
    const users = Array.from({ length: 40 }, (_, n) => userFactors(n));
    await enqueue(emulator, users);
    await runEventSource(emulator, invoke, { workers: 2 });
    // docs/pacing.md, misconfigured ceiling: a 429 pauses its worker until the reset, so each worker meets at
    // most one 429 per refill of the bucket, and each refill applies at least one user (an unpaced client
    // would meet hundreds at 1,000 rps). Every PUT was applied or throttled, none of them sent twice.
    const { throttled, puts, applied } = sim.stats;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThanOrEqual(2 * users.length);
    expect({ puts, applied }).toEqual({ puts: users.length + throttled, applied: users.length });
    expect(await drainDeadLetters(emulator)).toEqual([]);
    expectApplied(sim, users);
    expectNoSensitiveLogs(lines(), users);
  });

  it("sends a record that met only 429s on its last receive back to the work queue, not to the DLQ", async () => {
    // One token in 20 s: with the token fetched first and the bucket emptied, every PUT is a 429 whose
    // reset is about 20 s away, past the 10 s this invocation has left.
    const { sim, emulator, handle, tokens } = await setup({
      simulator: { rps: 0.05, burst: 2 },
      queue: { maxReceiveCount: 1 },
      apply: { maxReceiveCount: 1 },
    });
    await tokens.getToken();
    sim.consume(2);
    const user = userFactors(1);
    await enqueue(emulator, [user]);
    const { event, response } = await deliverOnce(emulator, handle, {
      getRemainingTimeInMillis: () => 10_000,
    });
    expect(event.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(["1"]);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sim.stats.throttled).toBe(1);
    expect(sim.stats.applied).toBe(0);
    // A new message, delayed for the rest of the pause: its receives start over.
    expect(emulator.inspectWork()).toEqual({
      ready: [],
      inFlight: [],
      delayed: [{ messageId: expect.any(String), body: messageBody(user) }],
    });
    expect(await drainDeadLetters(emulator)).toEqual([]);
  });

  it("retries a burst of 5xx and applies everyone", async () => {
    const { sim, emulator, invoke } = await setup({
      simulator: { faults: { errorRate: 0.3 }, seed: 7 },
      apply: { backoff: { baseMs: 10, maxMs: 50 } },
    });
    const users = Array.from({ length: 50 }, (_, n) => userFactors(n));
    await enqueue(emulator, users);
    await runEventSource(emulator, invoke, { workers: 2 });
    expect(sim.stats.byStatus[503]).toBeGreaterThan(0);
    expect(await drainDeadLetters(emulator)).toEqual([]);
    expectApplied(sim, users);
  });

  it("stops starting work when the time budget runs low and returns the rest at once", async () => {
    const { sim, emulator, handle } = await setup({ apply: { applyConcurrency: 1, timeMarginMs: 12_000 } });
    const users = Array.from({ length: 10 }, (_, n) => userFactors(n));
    const ids = await enqueue(emulator, users);
    // Each user checks the budget twice (before and after its pacing slot): four users fit.
    let checks = 0;
    const context = { getRemainingTimeInMillis: () => (++checks <= 8 ? 60_000 : 11_000) };
    const { event, response } = await deliverOnce(emulator, handle, context);
    expect(event.Records).toHaveLength(10);
    const order = event.Records.map((record) => record.messageId);
    expect(response.batchItemFailures).toEqual(order.slice(4).map((itemIdentifier) => ({ itemIdentifier })));
    const applied = users.filter((_user, index) => order.slice(0, 4).includes(ids[index] ?? ""));
    expectApplied(sim, applied);
    expect(sim.stats.applied).toBe(4);
    // The six come back at once (visibility 0), not after the visibility timeout.
    expect(
      emulator
        .inspectWork()
        .ready.map((message) => message.messageId)
        .sort(),
    ).toEqual(order.slice(4).sort());
  });

  it("dead-letters malformed bodies unchanged as malformed and applies the good ones", async () => {
    const { sim, emulator, invoke } = await setup();
    const user = userFactors(1);
    const bodies = ["{not json", JSON.stringify({ hello: "world" }), messageBody(user)];
    await sendBodies(emulator, bodies);
    await runEventSource(emulator, invoke);
    const dead = await drainDeadLetters(emulator);
    expect(dead.sort((a, b) => a.body.localeCompare(b.body))).toEqual([
      {
        body: JSON.stringify({ hello: "world" }),
        attributes: {
          status: "malformed",
          message: "version: invalid_value",
          attempts: "0",
          failedAt: expect.stringMatching(ISO_TIME),
        },
      },
      {
        body: "{not json",
        attributes: {
          status: "malformed",
          message: "body is not JSON",
          attempts: "0",
          failedAt: expect.stringMatching(ISO_TIME),
        },
      },
    ]);
    expectApplied(sim, [user]);
  });
});
