import { InvalidMaxRejectedError } from "./errors.js";

/** How many rejected users a file may have and still be sent: a count, or a percentage of its users. */
export type MaxRejected =
  | { kind: "count"; count: number; text: string }
  /** `tenThousandths`: the percentage × 10,000 (2.5% is 25,000), so limits are computed exactly. */
  | { kind: "percent"; tenThousandths: number; text: string };

/** A file that pass 1 found over its tolerance: nothing of it is sent. */
export interface ToleranceExceeded {
  /** The tolerance as given, e.g. `10` or `2.5%`. */
  maxRejected: string;
  /** The most rejected users the tolerance allows for this file. */
  limit: number;
  rejected: number;
  users: number;
  /** For the operator, with the numbers. */
  message: string;
}

const COUNT = /^\d+$/;
const PERCENT = /^(\d{1,3})(?:\.(\d{1,4}))?\s*%$/;

/**
 * Reads a rejection tolerance (`--max-rejected`, context `maxRejected`, object metadata `max-rejected`): a
 * whole number of users (`10`) or a percentage of the file's users from 0 to 100 (`2.5%`).
 *
 * @throws {@link InvalidMaxRejectedError} otherwise.
 * @example
 * parseMaxRejected("2.5%"); // { kind: "percent", tenThousandths: 25000, text: "2.5%" }
 */
export function parseMaxRejected(value: string): MaxRejected {
  const text = value.trim();
  if (COUNT.test(text)) {
    const count = Number(text);
    if (!Number.isSafeInteger(count)) throw new InvalidMaxRejectedError(value);
    return { kind: "count", count, text };
  }
  const match = PERCENT.exec(text);
  if (match === null) throw new InvalidMaxRejectedError(value);
  const tenThousandths = Number(match[1]) * 10_000 + Number((match[2] ?? "").padEnd(4, "0"));
  if (tenThousandths > 1_000_000) throw new InvalidMaxRejectedError(value);
  return { kind: "percent", tenThousandths, text: text.replace(/\s+/g, "") };
}

/**
 * Whether `value` is a rejection tolerance {@link parseMaxRejected} reads (for configuration schemas).
 *
 * @example
 * isMaxRejected("2.5%"); // true
 * isMaxRejected("lots"); // false
 */
export function isMaxRejected(value: string): boolean {
  try {
    parseMaxRejected(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a file with `rejected` of its `users` rejected is over the tolerance (strictly more rejected users
 * than it allows), and if so what to tell the operator. A percentage allows that share of the users, rounded
 * down: 10% of 25 users allows 2.
 *
 * @example
 * exceedsTolerance(parseMaxRejected("10%"), 3, 20);
 * // { maxRejected: "10%", limit: 2, rejected: 3, users: 20, message: "3 of 20 users rejected, more than ..." }
 */
export function exceedsTolerance(
  max: MaxRejected | undefined,
  rejected: number,
  users: number,
): ToleranceExceeded | undefined {
  if (max === undefined) return undefined;
  const limit = max.kind === "count" ? max.count : Math.floor((max.tenThousandths * users) / 1_000_000);
  if (rejected <= limit) return undefined;
  return {
    maxRejected: max.text,
    limit,
    rejected,
    users,
    message: `${rejected} of ${users} ${users === 1 ? "user" : "users"} rejected, more than max-rejected ${max.text} allows (${limit}${max.kind === "percent" ? ` of ${users}` : ""}): nothing of the file is sent`,
  };
}
