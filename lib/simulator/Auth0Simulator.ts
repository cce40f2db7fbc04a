import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthenticationMethodInput, StoredAuthenticationMethod } from "./authenticationMethods.js";
import { handleControlRequest } from "./controlRoute.js";
import { ROUTE_NOT_FOUND, serverError, TOO_MANY_REQUESTS } from "./errorBodies.js";
import { SimulatorOptionsError } from "./errors.js";
import { type IncidentSnapshot, IncidentState, type OutageSchedule, type TokenRefusal } from "./incidents.js";
import { MethodStore } from "./MethodStore.js";
import { authenticationMethodsUserId, handleManagementRequest } from "./managementApi.js";
import {
  type Auth0SimulatorOptions,
  type LatencyRange,
  resolveFaults,
  resolveLatency,
  resolveRateLimit,
  resolveSimulatorOptions,
  type SimulatorFaults,
  type SimulatorRateLimit,
} from "./options.js";
import { createRandom } from "./Random.js";
import type { SimulatorRequest, SimulatorResponse } from "./SimulatorRequest.js";
import { type SimulatorStats, StatsRecorder } from "./SimulatorStats.js";
import { type RateLimitState, TokenBucket } from "./TokenBucket.js";
import { TokenStore } from "./TokenStore.js";
import { handleTokenRequest } from "./tokenEndpoint.js";

/** A running simulator of one Auth0 tenant. */
export interface Auth0Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`: what `AUTH0_DOMAIN` may be set to. */
  readonly url: string;
  /** `127.0.0.1:41234`: what the official SDK's `domain` option takes (it adds `https://` itself). */
  readonly domain: string;
  /** The Management API audience, `https://127.0.0.1:41234/api/v2/`. */
  readonly audience: string;
  /** The first configured client's id. */
  readonly clientId: string;
  /** The first configured client's secret. */
  readonly clientSecret: string;
  /** A copy of the counters. */
  readonly stats: SimulatorStats;
  /** A user's methods as Auth0 would return them (with ids and `created_at`); `[]` when none. */
  methodsOf(userId: string): StoredAuthenticationMethod[];
  /** Every user whose methods a PUT (or {@link Auth0Simulator.seedMethods}) has set. */
  allMethods(): Map<string, StoredAuthenticationMethod[]>;
  /** Sets a user's methods directly, as if they had enrolled before the sync. */
  seedMethods(userId: string, methods: readonly AuthenticationMethodInput[]): StoredAuthenticationMethod[];
  /** The bucket now, taking nothing. */
  rateLimit(): RateLimitState;
  /** Changes some fault knobs from now on. @throws SimulatorOptionsError */
  setFaults(faults: Partial<SimulatorFaults>): void;
  /** Changes the added latency from now on. @throws SimulatorOptionsError */
  setLatency(latencyMs: LatencyRange): void;
  /** Changes the bucket's rate, size or live traffic from now on. @throws SimulatorOptionsError */
  setRateLimit(rateLimit: Partial<SimulatorRateLimit>): void;
  /** Takes up to `count` tokens from the bucket as the tenant's other traffic would. */
  consume(count: number): RateLimitState;
  /** Expires every token issued so far (the next Management API call with one answers 401). */
  expireTokens(): void;
  /**
   * Schedules an outage (replacing any other): while it lasts every call, `/oauth/token` included, fails as
   * `mode` says. @throws SimulatorOptionsError
   */
  scheduleOutage(schedule?: OutageSchedule): void;
  /** Ends the outage now, or cancels a scheduled one. */
  endOutage(): void;
  /** Makes `/oauth/token` refuse every client with 401 or 403 (a configuration error); `undefined` stops it. */
  refuseTokens(status: TokenRefusal | undefined): void;
  /**
   * The scopes put in a client's tokens from now on (tokens already issued keep theirs, as Auth0's JWTs do).
   * @default clientId the first client's
   */
  setClientScopes(scopes: readonly string[], clientId?: string): void;
  /** Rotates a client's secret: the old one is refused from now on. @default clientId the first client's */
  setClientSecret(secret: string, clientId?: string): void;
  /** The outage and token-refusal knobs now. */
  readonly incidents: IncidentSnapshot;
  /** Makes every PUT for one user answer this 5xx (that user's own persistent failure); `undefined` stops it. */
  failUser(userId: string, status: number | undefined): void;
  /** Clears stored methods and counters and fills the bucket; keeps knobs and issued tokens. */
  reset(): void;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/** The simulator's own control route (when `control` is on): not part of Auth0's API. */
export const CONTROL_PATH = "/_simulator/control";

/** Request bodies above this are answered 413. */
const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8");
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function writeJson(
  response: ServerResponse,
  reply: SimulatorResponse,
  extraHeaders: Record<string, string> = {},
) {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...extraHeaders,
    ...reply.headers,
  });
  response.end(text);
}

/**
 * Starts a simulator of one Auth0 tenant on loopback: `/oauth/token` (client credentials) and the Management
 * API's `/api/v2/users/{id}/authentication-methods`, behind a token bucket with Auth0's `x-ratelimit-*`
 * headers and 429s, with optional latency and injected faults.
 *
 * @example
 * const sim = await startAuth0Simulator({ rps: 50, burst: 50, latencyMs: [20, 80] });
 * // AUTH0_DOMAIN=sim.url, credentials sim.clientId / sim.clientSecret
 * expect(sim.methodsOf("auth0|42")).toMatchObject([{ type: "totp" }]);
 * await sim.stop();
 */
export async function startAuth0Simulator(options: Auth0SimulatorOptions = {}): Promise<Auth0Simulator> {
  const resolved = resolveSimulatorOptions(options);
  const { clock } = resolved;
  const random = createRandom(resolved.seed);
  let rateLimit = resolved.rateLimit;
  let faults = resolved.faults;
  let latency = resolved.latencyMs;
  const incidents = new IncidentState(clock);
  const userFaults = new Map<string, number>();
  const userFaultOf = (path: string) => {
    const userId = authenticationMethodsUserId(path);
    return userId === undefined ? undefined : userFaults.get(userId);
  };
  // A mutable copy: secrets can be rotated and scopes granted while the simulator runs.
  const clients = resolved.clients.map((client) => ({ ...client }));
  const clientNamed = (clientId: string | undefined) => {
    const client = clientId === undefined ? clients[0] : clients.find((c) => c.clientId === clientId);
    if (client === undefined) throw new SimulatorOptionsError("clientId", `no client ${clientId}`);
    return client;
  };
  const bucket = new TokenBucket({ ...rateLimit, clock });
  const tokens = new TokenStore();
  const methods = new MethodStore(random);
  const stats = new StatsRecorder();
  if (options.outage) incidents.scheduleOutage(options.outage);
  incidents.tokenRefusal = options.tokenRefusal;
  let port = resolved.port;
  // Aborts the latency of requests still waiting when the simulator stops, so no timer outlives it.
  const stopping = new AbortController();
  const ownHosts = () =>
    new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${resolved.host}:${port}`]);

  const isOwnAudience = (audience: string, host: string | undefined): boolean => {
    try {
      const url = new URL(audience);
      const hosts = ownHosts();
      if (host !== undefined) hosts.add(host);
      return (
        (url.protocol === "https:" || url.protocol === "http:") &&
        url.pathname === "/api/v2/" &&
        hosts.has(url.host)
      );
    } catch {
      return false;
    }
  };

  const serveManagement = async (request: SimulatorRequest, response: ServerResponse) => {
    stats.started();
    response.once("close", () => stats.finished());
    if (request.method === "PUT" && /\/authentication-methods\/?$/.test(request.path)) stats.current.puts++;
    const take = bucket.take();
    // Draw every random number on every request, so the sequence (and with it which requests fail)
    // depends only on the seed and the order of requests.
    const delay = random.between(latency[0], latency[1]);
    const slow = random.next() < faults.slowRate;
    const reset = random.next() < faults.resetRate;
    const error = random.next() < faults.errorRate;
    const waitMs = delay + (slow && take.conformant ? faults.slowMs : 0);
    if (waitMs > 0) {
      const waited = await sleep(waitMs, true, { signal: stopping.signal }).catch(() => false);
      if (!waited) return;
    }
    if (take.conformant && reset) {
      stats.current.resets++;
      response.socket?.destroy();
      return;
    }
    const rateLimitHeaders = {
      "x-ratelimit-limit": String(take.limit),
      "x-ratelimit-remaining": String(take.remaining),
      "x-ratelimit-reset": String(take.reset),
    };
    let reply: SimulatorResponse;
    if (!take.conformant) reply = { status: 429, body: TOO_MANY_REQUESTS };
    else if (error) reply = { status: faults.errorStatus, body: serverError(faults.errorStatus) };
    else if (userFaultOf(request.path) !== undefined) {
      const status = userFaultOf(request.path) as number;
      reply = { status, body: serverError(status) };
    } else {
      reply = handleManagementRequest(request, {
        tokens,
        methods,
        clock,
        knownUsers: resolved.knownUsers,
        onApplied: () => stats.current.applied++,
      });
    }
    stats.response(reply.status);
    writeJson(response, reply, rateLimitHeaders);
  };

  /** Every call fails while an outage lasts: a 5xx, a destroyed connection, or no answer until it ends. */
  const failDuringOutage = async (
    request: SimulatorRequest,
    response: ServerResponse,
    outage: NonNullable<ReturnType<IncidentState["activeOutage"]>>,
  ) => {
    stats.current.outageFailures++;
    if (request.method === "PUT" && request.path.startsWith("/api/v2/")) stats.current.puts++;
    if (outage.mode === "error") {
      stats.response(outage.status);
      writeJson(response, { status: outage.status, body: serverError(outage.status) });
      return;
    }
    if (outage.mode === "timeout") {
      // Hold the request until the client gives up, the outage ends or the simulator stops.
      const gone = new AbortController();
      response.once("close", () => gone.abort());
      const signal = AbortSignal.any([gone.signal, stopping.signal]);
      const leftMs = Math.min(incidents.outageLeftMs(), 3_600_000);
      await sleep(leftMs, undefined, { signal }).catch(() => undefined);
    } else stats.current.resets++;
    response.socket?.destroy();
  };

  const control = {
    scheduleOutage: (schedule: OutageSchedule) => incidents.scheduleOutage(schedule),
    endOutage: () => incidents.endOutage(),
    refuseTokens: (status: TokenRefusal | undefined) => {
      incidents.tokenRefusal = status;
    },
    setClientScopes: (scopes: readonly string[], clientId?: string) => {
      clientNamed(clientId).scopes = [...scopes];
    },
    setClientSecret: (secret: string, clientId?: string) => {
      clientNamed(clientId).clientSecret = secret;
    },
    setFaults: (change: Partial<SimulatorFaults>) => {
      faults = resolveFaults(change, faults);
    },
    setRateLimit: (change: Partial<SimulatorRateLimit>) => {
      rateLimit = resolveRateLimit(change, rateLimit);
      bucket.configure(rateLimit);
    },
    expireTokens: () => tokens.expireAll(clock()),
    snapshot: () => incidents.snapshot(),
  };

  const serve = async (incoming: IncomingMessage, response: ServerResponse) => {
    stats.current.requests++;
    const body = await readBody(incoming);
    const request: SimulatorRequest = {
      method: incoming.method ?? "GET",
      path: (incoming.url ?? "/").split("?")[0] ?? "/",
      host: header(incoming, "host"),
      contentType: header(incoming, "content-type"),
      authorization: header(incoming, "authorization"),
      body,
    };
    if (resolved.control && request.path === CONTROL_PATH) {
      const reply = handleControlRequest(request, control);
      writeJson(response, reply);
      return;
    }
    if (request.path.startsWith("/api/v2/")) incidents.requestArrived();
    const outage = incidents.activeOutage();
    if (outage !== undefined) return failDuringOutage(request, response, outage);
    if (request.path.startsWith("/api/v2/")) return serveManagement(request, response);
    let reply: SimulatorResponse = { status: 404, body: ROUTE_NOT_FOUND };
    if (request.path === "/oauth/token" && request.method === "POST") {
      reply = handleTokenRequest(request, {
        clients,
        refusal: incidents.tokenRefusal,
        tokens,
        clock,
        tokenLifetimeSeconds: resolved.tokenLifetimeSeconds,
        isOwnAudience,
        onIssued: () => stats.current.tokensIssued++,
      });
    }
    stats.response(reply.status);
    writeJson(response, reply);
  };

  const server = createServer((incoming, response) => {
    serve(incoming, response).catch((error: unknown) => {
      // A bug in the simulator, not a simulated fault: answer 500 rather than hang the client.
      if (!response.headersSent) writeJson(response, { status: 500, body: serverError(500) });
      process.emitWarning(`auth0 simulator: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostForUrl = resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host;
  const domain = `${hostForUrl}:${port}`;
  const [firstClient] = clients;
  if (firstClient === undefined) throw new Error("unreachable: resolveSimulatorOptions requires a client");

  return {
    url: `http://${domain}`,
    domain,
    audience: `https://${domain}/api/v2/`,
    clientId: firstClient.clientId,
    get clientSecret() {
      return firstClient.clientSecret;
    },
    get stats() {
      return stats.snapshot();
    },
    methodsOf: (userId) => methods.get(userId),
    allMethods: () => methods.all(),
    seedMethods: (userId, inputs) => methods.replace(userId, inputs, clock()),
    rateLimit: () => bucket.peek(),
    setFaults: control.setFaults,
    setLatency: (range) => {
      latency = resolveLatency(range);
    },
    setRateLimit: control.setRateLimit,
    consume: (count) => bucket.consume(count),
    expireTokens: control.expireTokens,
    scheduleOutage: (schedule = {}) => control.scheduleOutage(schedule),
    endOutage: control.endOutage,
    refuseTokens: control.refuseTokens,
    setClientScopes: control.setClientScopes,
    setClientSecret: control.setClientSecret,
    get incidents() {
      return incidents.snapshot();
    },
    failUser: (userId, status) => {
      if (status === undefined) userFaults.delete(userId);
      else {
        if (!Number.isInteger(status) || status < 500 || status > 599) {
          throw new SimulatorOptionsError("failUser.status", `must be a 5xx status, got ${status}`);
        }
        userFaults.set(userId, status);
      }
    },
    reset: () => {
      methods.clear();
      stats.clear();
      bucket.fill();
    },
    stop: async () => {
      stopping.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
