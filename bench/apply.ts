/**
 * Apply benchmark (`npm run bench:apply [-- --users N]`): the same workload through factor-sync's apply path
 * (the local runtime: LocalAws and its SqsEventSource, as `run` uses them) and through the official `auth0` SDK, each against a fresh simulator of a tenant limited to 50 requests/s
 * (burst 50) with 20–80 ms latency. The last stdout line is one JSON object with the figures.
 */

import { ManagementClient } from "auth0";
import pLimit from "p-limit";
import type { UserFactors } from "../lib/factors/types.js";
import { toUserFactorsMessage } from "../lib/messages/UserFactorsMessage.js";
import { type Auth0Simulator, startAuth0Simulator } from "../lib/simulator/index.js";
import { runApplyFleet } from "./applyFleet.js";

const LIMIT_RPS = 50;
const BURST = 50;
const LATENCY_MS: [number, number] = [20, 80];
const WORKERS = 4;
const BATCH_SIZE = 10;
const SDK_CONCURRENCY = 10;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const USERS = argument("users", 3_000);

function user(n: number): UserFactors {
  const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const secret = Array.from({ length: 16 }, (_, i) => base32[(n * 7 + i * 13) % 32]).join("");
  return {
    userId: `auth0|bench-${n}`,
    line: n + 2,
    methods: [
      { type: "totp", totp_secret: secret },
      {
        type: "phone",
        phone_number: `+1415${String(5_550_000 + n).padStart(7, "0")}`,
        preferred_authentication_method: "sms",
      },
    ],
  };
}

const users = Array.from({ length: USERS }, (_, n) => user(n));

function simulator(): Promise<Auth0Simulator> {
  return startAuth0Simulator({ rps: LIMIT_RPS, burst: BURST, latencyMs: LATENCY_MS, seed: 42 });
}

/** Samples the tenant's bucket every 100 ms: how often would the tenant's live traffic have been refused? */
function sampleBucket(sim: Auth0Simulator): () => number {
  let samples = 0;
  let empty = 0;
  const timer = setInterval(() => {
    samples++;
    if (sim.rateLimit().remaining === 0) empty++;
  }, 100);
  return () => {
    clearInterval(timer);
    return empty / Math.max(1, samples);
  };
}

function body(n: number): string {
  return JSON.stringify(
    toUserFactorsMessage(users[n] as UserFactors, { bucket: "bench", key: "incoming/bench.csv" }),
  );
}

interface RunFigures {
  wallMs: number;
  /** Share of 100 ms samples in which the tenant's bucket had no request left for anyone else. */
  emptyBucketShare: number;
  applied: number;
  failed: number;
  throttled: number;
  requests: number;
  tokens: number;
}

/**
 * factor-sync: the local runtime, as `run` drives it: the users on the local work queue (fauxqs), then the
 * SqsEventSource with four pollers (containers), each with its own token cache and pacer, taking batches of
 * ten. The wall time runs from the start of the event source to the end of its last invocation.
 */
async function runFactorSync(): Promise<RunFigures> {
  const sim = await simulator();
  let stopSampling = () => 0;
  const { wallMs, deadLettered } = await runApplyFleet({
    simulator: sim,
    bodies: users.map((_user, n) => body(n)),
    workers: WORKERS,
    batchSize: BATCH_SIZE,
    // The whole limit is the budget here: the target is measured against the limit.
    pacer: { rpsCeiling: LIMIT_RPS, budgetShare: 1 },
    onStarted: () => {
      stopSampling = sampleBucket(sim);
    },
  });
  const emptyBucketShare = stopSampling();
  const stats = sim.stats;
  await sim.stop();
  return {
    wallMs,
    emptyBucketShare,
    applied: stats.applied,
    failed: deadLettered,
    throttled: stats.throttled,
    requests: stats.puts,
    tokens: stats.tokensIssued,
  };
}

/** The SDK only speaks https://{domain}; the simulator listens on plain HTTP. */
const plainHttpFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const rewritten = url.replace(/^https:\/\//, "http://");
  return input instanceof Request ? fetch(new Request(rewritten, input), init) : fetch(rewritten, init);
};

/** The official SDK as most scripts use it: p-limit(10) and its built-in retries (2, honouring x-ratelimit-reset). */
async function runSdk(): Promise<RunFigures> {
  const sim = await simulator();
  const client = new ManagementClient({
    domain: sim.domain,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    fetch: plainHttpFetch,
  });
  const limit = pLimit(SDK_CONCURRENCY);
  let failed = 0;
  const stopSampling = sampleBucket(sim);
  const started = performance.now();
  await Promise.all(
    users.map((u) =>
      limit(async () => {
        try {
          await client.users.authenticationMethods.set(u.userId, u.methods);
        } catch {
          failed++;
        }
      }),
    ),
  );
  const wallMs = performance.now() - started;
  const emptyBucketShare = stopSampling();
  const stats = sim.stats;
  await sim.stop();
  return {
    wallMs,
    emptyBucketShare,
    applied: stats.applied,
    failed,
    throttled: stats.throttled,
    requests: stats.puts,
    tokens: stats.tokensIssued,
  };
}

const idealMs = (USERS / LIMIT_RPS) * 1000;
const utilizationOf = (run: RunFigures) => run.applied / (run.wallMs / 1000) / LIMIT_RPS;
const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(2)}%`;

process.stderr.write(
  `apply benchmark: ${USERS} users, tenant limit ${LIMIT_RPS} rps (burst ${BURST}), latency ${LATENCY_MS.join("–")} ms\n` +
    `factor-sync: ${WORKERS} workers × batches of ${BATCH_SIZE}, RPS_CEILING=${LIMIT_RPS} MAX_CONCURRENCY=${WORKERS} ` +
    `BUDGET_SHARE=1 (the budget is the whole limit, since the target is measured against the limit)\n`,
);
const ours = await runFactorSync();
process.stderr.write(
  `factor-sync done in ${(ours.wallMs / 1000).toFixed(1)} s; now the auth0 SDK with p-limit(${SDK_CONCURRENCY})\n`,
);
const sdk = await runSdk();

const rows = [
  ["", "factor-sync", `auth0 SDK, p-limit(${SDK_CONCURRENCY})`],
  ["users applied", `${ours.applied} / ${USERS}`, `${sdk.applied} / ${USERS}`],
  ["failed (DLQ / thrown)", String(ours.failed), String(sdk.failed)],
  ["wall time", `${(ours.wallMs / 1000).toFixed(1)} s`, `${(sdk.wallMs / 1000).toFixed(1)} s`],
  ["ideal N / limit", `${(idealMs / 1000).toFixed(1)} s`, `${(idealMs / 1000).toFixed(1)} s`],
  ["achieved rate / limit", utilizationOf(ours).toFixed(3), utilizationOf(sdk).toFixed(3)],
  ["PUTs sent", String(ours.requests), String(sdk.requests)],
  [
    "429 responses",
    `${ours.throttled} (${pct(ours.throttled, ours.requests)})`,
    `${sdk.throttled} (${pct(sdk.throttled, sdk.requests)})`,
  ],
  ["token requests", String(ours.tokens), String(sdk.tokens)],
  [
    "bucket empty (live traffic refused)",
    `${pct(ours.emptyBucketShare, 1)} of the time`,
    `${pct(sdk.emptyBucketShare, 1)} of the time`,
  ],
];
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
for (const row of rows) {
  process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ")}\n`);
}
process.stdout.write(
  `${JSON.stringify({
    users: USERS,
    limitRps: LIMIT_RPS,
    utilization: Number(utilizationOf(ours).toFixed(3)),
    throttled: ours.throttled,
    wallMs: Math.round(ours.wallMs),
    idealMs: Math.round(idealMs),
    sdkWallMs: Math.round(sdk.wallMs),
    sdkThrottled: sdk.throttled,
  })}\n`,
);
