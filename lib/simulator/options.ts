import { SimulatorOptionsError } from "./errors.js";
import type { OutageSchedule, TokenRefusal } from "./incidents.js";

/** The simulator's own test client id (not a secret: it only opens the simulator). */
export const DEFAULT_CLIENT_ID = "factor-sync-simulator";
/** The simulator's own test client secret (not a secret: it only opens the simulator). */
export const DEFAULT_CLIENT_SECRET = "factor-sync-simulator-secret";
/** Scopes granted to a client that names none: enough for the authentication-methods endpoints. */
export const DEFAULT_SCOPES: readonly string[] = [
  "read:users",
  "read:authentication_methods",
  "update:authentication_methods",
  "delete:authentication_methods",
];

/** A client (machine-to-machine application) the simulator accepts at `/oauth/token`. */
export interface SimulatorClient {
  clientId: string;
  clientSecret: string;
  /** Scopes put in its tokens. @default DEFAULT_SCOPES */
  scopes?: readonly string[];
}

/** Added latency per Management API response, uniform in [min, max] milliseconds. */
export type LatencyRange = readonly [minMs: number, maxMs: number];

/** Injected faults on the Management API, each a share of requests that got a rate-limit token. */
export interface SimulatorFaults {
  /** Share answered with `errorStatus` (0–1). @default 0 */
  errorRate: number;
  /** The 5xx status of an injected error. @default 503 */
  errorStatus: number;
  /** Share whose connection is destroyed without any response (0–1). @default 0 */
  resetRate: number;
  /** Share delayed by an extra `slowMs` (0–1). @default 0 */
  slowRate: number;
  /** Extra delay of a slow response, ms. @default 0 */
  slowMs: number;
}

/** The tenant's Management API token bucket. */
export interface SimulatorRateLimit {
  /** Tokens added per second (> 0). @default 16 (Enterprise production) */
  rps: number;
  /** Bucket size, the largest burst (integer ≥ 1). @default 50 (Enterprise production) */
  burst: number;
  /** Tokens per second taken by the tenant's other (live) traffic. @default 0 */
  liveTrafficRps: number;
}

/** Which user ids exist in the tenant. */
export type KnownUsers = ReadonlySet<string> | ((userId: string) => boolean);

/** Options of `startAuth0Simulator`. */
export interface Auth0SimulatorOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string;
  /** Port; 0 picks a free one. @default 0 */
  port?: number;
  /** Bucket refill, tokens per second. @default 16 */
  rps?: number;
  /** Bucket size. @default 50 */
  burst?: number;
  /** Other traffic draining the bucket, tokens per second. @default 0 */
  liveTrafficRps?: number;
  /** Clients accepted at `/oauth/token`. @default [{ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }] */
  clients?: readonly SimulatorClient[];
  /** `expires_in` of issued tokens, seconds. @default 86400 */
  tokenLifetimeSeconds?: number;
  /** The users that exist; PUT for any other answers 404. @default every user exists */
  knownUsers?: KnownUsers;
  /** Added latency per Management API response. @default [0, 0] */
  latencyMs?: LatencyRange;
  /** Injected faults. @default none */
  faults?: Partial<SimulatorFaults>;
  /** Seed of the pseudo-random source behind faults, latency and method ids. @default 1 */
  seed?: number;
  /** Milliseconds since the epoch, for token expiry, the bucket and `created_at`. @default Date.now */
  clock?: () => number;
  /** An outage scheduled from the start (see `Auth0Simulator.scheduleOutage`). @default none */
  outage?: OutageSchedule;
  /** `/oauth/token` refuses every client with this status from the start. @default none */
  tokenRefusal?: TokenRefusal;
  /**
   * Serves `POST /_simulator/control` (and `GET`), which changes outages, token refusal, scopes, secrets,
   * faults and the rate limit while the simulator runs. Not part of Auth0's API. @default false
   */
  control?: boolean;
}

/** Options with every default applied and checked. */
export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  rateLimit: SimulatorRateLimit;
  clients: readonly Required<SimulatorClient>[];
  tokenLifetimeSeconds: number;
  knownUsers: (userId: string) => boolean;
  latencyMs: LatencyRange;
  faults: SimulatorFaults;
  seed: number;
  clock: () => number;
  control: boolean;
}

export const SIMULATOR_DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  rateLimit: { rps: 16, burst: 50, liveTrafficRps: 0 },
  tokenLifetimeSeconds: 86_400,
  latencyMs: [0, 0] as LatencyRange,
  faults: { errorRate: 0, errorStatus: 503, resetRate: 0, slowRate: 0, slowMs: 0 },
  seed: 1,
} as const;

function check(ok: boolean, option: string, problem: string): void {
  if (!ok) throw new SimulatorOptionsError(option, problem);
}

function isRate(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}

/** Fills in and checks a rate-limit change. @throws SimulatorOptionsError */
export function resolveRateLimit(
  change: Partial<SimulatorRateLimit>,
  current: SimulatorRateLimit = SIMULATOR_DEFAULTS.rateLimit,
): SimulatorRateLimit {
  const next = { ...current, ...withoutUndefined(change) };
  check(Number.isFinite(next.rps) && next.rps > 0, "rps", `must be a number > 0, got ${next.rps}`);
  check(
    Number.isInteger(next.burst) && next.burst >= 1,
    "burst",
    `must be an integer ≥ 1, got ${next.burst}`,
  );
  check(
    Number.isFinite(next.liveTrafficRps) && next.liveTrafficRps >= 0,
    "liveTrafficRps",
    `must be a number ≥ 0, got ${next.liveTrafficRps}`,
  );
  return next;
}

/** Fills in and checks a faults change. @throws SimulatorOptionsError */
export function resolveFaults(
  change: Partial<SimulatorFaults>,
  current: SimulatorFaults = SIMULATOR_DEFAULTS.faults,
): SimulatorFaults {
  const next = { ...current, ...withoutUndefined(change) };
  for (const key of ["errorRate", "resetRate", "slowRate"] as const) {
    check(isRate(next[key]), `faults.${key}`, `must be between 0 and 1, got ${next[key]}`);
  }
  check(
    Number.isInteger(next.errorStatus) && next.errorStatus >= 500 && next.errorStatus <= 599,
    "faults.errorStatus",
    `must be a 5xx status, got ${next.errorStatus}`,
  );
  check(Number.isFinite(next.slowMs) && next.slowMs >= 0, "faults.slowMs", `must be ≥ 0, got ${next.slowMs}`);
  return next;
}

/** Checks a latency range. @throws SimulatorOptionsError */
export function resolveLatency(range: LatencyRange): LatencyRange {
  const [min, max] = range;
  check(
    Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min,
    "latencyMs",
    `must be [min, max] with 0 ≤ min ≤ max, got [${min}, ${max}]`,
  );
  return [min, max];
}

/** Applies defaults and checks every option. @throws SimulatorOptionsError */
export function resolveSimulatorOptions(options: Auth0SimulatorOptions): ResolvedSimulatorOptions {
  const port = options.port ?? SIMULATOR_DEFAULTS.port;
  check(Number.isInteger(port) && port >= 0 && port <= 65_535, "port", `must be 0–65535, got ${port}`);
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? SIMULATOR_DEFAULTS.tokenLifetimeSeconds;
  check(
    Number.isFinite(tokenLifetimeSeconds) && tokenLifetimeSeconds > 0,
    "tokenLifetimeSeconds",
    `must be > 0, got ${tokenLifetimeSeconds}`,
  );
  const clients = (
    options.clients ?? [{ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }]
  ).map((client) => ({ ...client, scopes: client.scopes ?? DEFAULT_SCOPES }));
  check(clients.length > 0, "clients", "must hold at least one client");
  const knownUsers = options.knownUsers;
  return {
    host: options.host ?? SIMULATOR_DEFAULTS.host,
    port,
    rateLimit: resolveRateLimit({
      rps: options.rps,
      burst: options.burst,
      liveTrafficRps: options.liveTrafficRps,
    }),
    clients,
    tokenLifetimeSeconds,
    knownUsers:
      knownUsers === undefined
        ? () => true
        : typeof knownUsers === "function"
          ? knownUsers
          : (userId) => knownUsers.has(userId),
    latencyMs: resolveLatency(options.latencyMs ?? SIMULATOR_DEFAULTS.latencyMs),
    faults: resolveFaults(options.faults ?? {}),
    seed: options.seed ?? SIMULATOR_DEFAULTS.seed,
    clock: options.clock ?? Date.now,
    control: options.control ?? false,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
