import type { FailedUser } from "./FailedUser.js";

/** The header of a failures report (`reports/<key>.failures.csv`), one row per dead-lettered user. */
export const FAILURES_CSV_HEADER = "user_id,line,status,errorCode,message,attempts,failedAt,source_key";

/** Quotes a cell as RFC 4180 asks: only when it holds a comma, a quote or a line break. */
function csvCell(value: string | number | undefined): string {
  const text = value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Formats one failed user as a CSV row (no line break) under {@link FAILURES_CSV_HEADER}.
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
    .map(csvCell)
    .join(",");
}
