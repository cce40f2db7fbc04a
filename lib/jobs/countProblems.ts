import { COUNT_NAMES, FINISHED_STATUSES, type JobCounts, type JobStatus } from "./types.js";

/**
 * The equations of design.md's "Outcomes" that `counts` break, as readable strings; empty when they add up.
 * A finished job must also have nothing pending.
 *
 * @example
 * countProblems(job, job.status) // [] or ["sent (5) ≠ applied + failed + superseded + cancelled + pending (4)"]
 */
export function countProblems(counts: JobCounts, status?: JobStatus): string[] {
  const problems: string[] = [];
  const check = (name: string, left: number, parts: (keyof JobCounts)[]) => {
    const right = parts.reduce((sum, part) => sum + counts[part], 0);
    if (left !== right) problems.push(`${name} (${left}) ≠ ${parts.join(" + ")} (${right})`);
  };
  check("users", counts.users, ["valid", "rejected"]);
  check("valid", counts.valid, ["unchanged", "sent", "failedToSend"]);
  check("sent", counts.sent, ["applied", "failed", "superseded", "cancelled", "pending"]);
  for (const name of COUNT_NAMES) {
    const value = counts[name];
    if (!Number.isInteger(value) || value < 0) problems.push(`${name} is ${value}`);
  }
  if (
    status !== undefined &&
    FINISHED_STATUSES.includes(status) &&
    status !== "failed" &&
    counts.pending !== 0
  ) {
    problems.push(`a ${status} job has ${counts.pending} pending`);
  }
  return problems;
}
