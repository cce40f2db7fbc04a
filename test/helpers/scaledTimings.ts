import type { LocalMigrationOptions, LocalMigrationSummary } from "../../lib/local/types.js";

/**
 * Local-run options that scale the incident timings of a test, not the rules: redeliveries after 1–2 s instead
 * of 10–300 s, retries after 20–100 ms, a circuit probe every second instead of every 30 s. The dead-letter
 * horizon of the old rule (5 receives) is then about 10 s.
 */
export const SCALED_TIMINGS = {
  applyOptions: { redeliveryBaseSeconds: 1, redeliveryMaxSeconds: 2, backoff: { baseMs: 20, maxMs: 100 } },
  probeIntervalMs: 1_000,
} as const satisfies Partial<LocalMigrationOptions>;

/** The counts of a run a test compares whole. */
export function runCounts(summary: LocalMigrationSummary) {
  const { users, applied, rejected, failed, pending, accounted } = summary;
  return { users, applied, rejected, failed, pending, accounted };
}
