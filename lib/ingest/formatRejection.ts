import type { RejectedUser } from "../factors/types.js";

/**
 * One line of text per reason a user was rejected, for people: `line 14: user auth0|42: <reason>`.
 *
 * @example
 * formatRejection({ line: 14, userId: "auth0|42", errors: ["name is empty"] });
 * // ["line 14: user auth0|42: name is empty"]
 */
export function formatRejection(rejected: RejectedUser): string[] {
  const who = rejected.userId === "" ? "user (unknown)" : `user ${rejected.userId}`;
  return rejected.errors.map((error) => `line ${rejected.line}: ${who}: ${error}`);
}
