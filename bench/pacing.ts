/**
 * How the pacer shares a tenant with live traffic (`node --import tsx bench/pacing.ts [options]`):
 * two paced apply workers (the local runtime: LocalAws and its SqsEventSource) against a simulator whose bucket other traffic drains at `--live` requests/s.
 * Prints the sync's rate, 429s, and how often the bucket was empty (live traffic refused) or below the reserve.
 *
 * Options: --rps 16 --burst 50 --live 6 --ceiling 12.8 --share 0.8 --workers 2 --users 200
 */

import { toUserFactorsMessage } from "../lib/messages/UserFactorsMessage.js";
import { reservedRequests } from "../lib/pacing/rateLimitWait.js";
import { startAuth0Simulator } from "../lib/simulator/index.js";
import { runApplyFleet } from "./applyFleet.js";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return value;
}

const rps = option("rps", 16);
const burst = option("burst", 50);
const live = option("live", 6);
const ceiling = option("ceiling", 12.8);
const share = option("share", 0.8);
const workers = option("workers", 2);
const users = option("users", 200);

const sim = await startAuth0Simulator({ rps, burst, liveTrafficRps: live, latencyMs: [20, 80] });
const bodies = Array.from({ length: users }, (_, n) =>
  JSON.stringify(
    toUserFactorsMessage(
      {
        userId: `auth0|pacing-${n}`,
        line: n + 2,
        methods: [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }],
      },
      { bucket: "bench", key: "incoming/pacing.csv" },
    ),
  ),
);

const reserve = reservedRequests(burst, share);
let samples = 0;
let empty = 0;
let belowReserve = 0;
const sampler = setInterval(() => {
  samples++;
  const { remaining } = sim.rateLimit();
  if (remaining === 0) empty++;
  if (remaining < reserve) belowReserve++;
}, 50);

const { wallMs } = await runApplyFleet({
  simulator: sim,
  bodies,
  workers,
  pacer: { rpsCeiling: ceiling, budgetShare: share },
});
const wallSeconds = wallMs / 1000;
clearInterval(sampler);
const stats = sim.stats;
await sim.stop();
process.stdout.write(
  `${JSON.stringify({
    rps,
    burst,
    live,
    ceiling,
    share,
    workers,
    users,
    wallSeconds: Number(wallSeconds.toFixed(1)),
    syncRps: Number((stats.applied / wallSeconds).toFixed(2)),
    throttled: stats.throttled,
    bucketEmptyShare: Number((empty / samples).toFixed(3)),
    belowReserveShare: Number((belowReserve / samples).toFixed(3)),
  })}\n`,
);
