import type { Job } from "../jobs/types.js";

/** A job whose ingest saved a checkpoint that no invocation has taken up since (its continuation was lost). */
export interface StalledIngest {
  jobId: string;
  seq: number;
  pass: number;
  status: Job["status"];
  /** When the checkpoint was saved (ISO 8601). */
  savedAt: string;
  ageMs: number;
}

/**
 * The jobs whose ingest has not ended and whose checkpoint is older than `stalledAfterMs`. An invocation that takes a
 * checkpoint over saves the next one (or finishes) within one function timeout, so with `stalledAfterMs` twice
 * the timeout a checkpoint that old was never taken up: its continuation event was lost.
 *
 * @example
 * const stalled = findStalledIngests(await store.listJobs(), Date.now(), 900_000); // the function timeout
 */
export function findStalledIngests(jobs: readonly Job[], now: number, timeoutMs: number): StalledIngest[] {
  const stalled: StalledIngest[] = [];
  for (const job of jobs) {
    // An ingest that has ended (finished, failed, over its tolerance) is not waiting for anything.
    if (job.ingestFinishedAt !== undefined) continue;
    const checkpoint = job.checkpoint as { seq?: unknown; pass?: unknown; savedAt?: unknown } | undefined;
    if (checkpoint === undefined || typeof checkpoint.savedAt !== "string") continue;
    const savedAt = Date.parse(checkpoint.savedAt);
    const ageMs = now - savedAt;
    if (!(ageMs > 2 * timeoutMs)) continue;
    stalled.push({
      jobId: job.id,
      seq: Number(checkpoint.seq),
      pass: Number(checkpoint.pass),
      status: job.status,
      savedAt: checkpoint.savedAt,
      ageMs,
    });
  }
  return stalled;
}
