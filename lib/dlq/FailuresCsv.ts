import { csvCell } from "../reports/csv.js";
import type { FailedUser } from "./FailedUser.js";

/**
 * The header of a failures report (`reports/<key>.failures.csv`), one row per dead-lettered user. Like every
 * CSV report, it starts with `line,user_id`.
 */
export const FAILURES_CSV_HEADER = "line,user_id,status,errorCode,message,attempts,failedAt,source_key";

/**
 * Formats one failed user as a CSV row (no line break) under {@link FAILURES_CSV_HEADER}, with the same
 * quoting and formula-injection guard as the other reports (a user id like `=HYPERLINK(...)` stays text).
 *
 * @example
 * writer.write(`${FAILURES_CSV_HEADER}\r\n${toFailuresCsvRow(failed)}\r\n`);
 */
export function toFailuresCsvRow(failed: FailedUser): string {
  const { reason } = failed;
  return [
    failed.line,
    failed.userId,
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
