import { csvCell } from "../reports/csv.js";
import type { FailedUser } from "./FailedUser.js";

/** The header of a failures report (`reports/<key>.failures.csv`), one row per dead-lettered user. */
export const FAILURES_CSV_HEADER = "user_id,line,status,errorCode,message,attempts,failedAt,source_key";

/**
 * Formats one failed user as a CSV row (no line break) under {@link FAILURES_CSV_HEADER}, with the same
 * quoting and formula-injection guard as the other reports (a user id like `=HYPERLINK(...)` stays text).
 *
 * @example
 * writer.write(`${FAILURES_CSV_HEADER}\n${toFailuresCsvRow(failed)}\n`);
 */
export function toFailuresCsvRow(failed: FailedUser): string {
  const { reason } = failed;
  return [
    failed.userId,
    failed.line,
    reason.status,
    reason.errorCode,
    reason.message,
    reason.attempts,
    reason.failedAt,
    failed.sourceKey,
  ]
    .map((cell) => csvCell(cell ?? ""))
    .join(",");
}
