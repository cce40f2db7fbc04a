import type { RejectedUser } from "../factors/types.js";
import type { UnsentUser } from "../fanout/types.js";

/** Header of the rejects report. */
export const REJECTS_COLUMNS = ["line", "user_id", "errors"] as const;

/** A rejected user as a rejects-report row: its reasons joined by `; `. */
export function rejectsRow(user: RejectedUser): [number, string, string] {
  return [user.line, user.userId, user.errors.join("; ")];
}

/** Header of the unsent report. */
export const UNSENT_COLUMNS = ["line", "user_id", "reason"] as const;

/** A valid user SQS would not take, as an unsent-report row. */
export function unsentRow(user: UnsentUser): [number, string, string] {
  return [user.line, user.userId, user.reason];
}
