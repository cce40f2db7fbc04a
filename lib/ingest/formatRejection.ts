import type { RejectedUser } from "../factors/types.js";

/**
 * One line of text per reason a user was rejected, for people: `line 14: user auth0|42: <reason>`. A reason
 * that names the user's own first line (a user of several rows) does not repeat it.
 *
 * @example
 * formatRejection({ line: 14, userId: "auth0|42", errors: ["line 14: name is empty", "line 15: ..."] });
 * // ["line 14: user auth0|42: name is empty", "line 14: user auth0|42: line 15: ..."]
 */
export function formatRejection(rejected: RejectedUser): string[] {
  const who = rejected.userId === "" ? "user (unknown)" : `user ${rejected.userId}`;
  const own = `line ${rejected.line}: `;
  return rejected.errors.map(
    (error) => `${own}${who}: ${error.startsWith(own) ? error.slice(own.length) : error}`,
  );
}
