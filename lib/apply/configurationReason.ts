import type { ConfigurationProblem } from "../auth0/PutOutcome.js";
import type { ConfigurationErrorEvent } from "./types.js";

/** What each configuration problem is, in the operator's words (the local run adds its own fix to them). */
export const CONFIGURATION_PROBLEM_TEXT: Record<ConfigurationProblem, string> = {
  "token-refused": "the token endpoint refused the client",
  unauthorized: "Auth0 refused a fresh token",
  "missing-scope": "the client grant lacks update:authentication_methods",
  credentials: "the client id or secret is empty",
};

/** Where a deployed stack's operator fixes each problem. */
const FIXES: Record<ConfigurationProblem, string> = {
  "token-refused": "fix the Auth0 client secret",
  unauthorized: "check the Auth0 domain and the application's client grant",
  "missing-scope": "grant it to the application",
  credentials: "put the client id and secret in the Auth0 secret",
};

/**
 * The reason a job is paused with on a configuration error: what Auth0 (or the secret) said and what to fix,
 * never a secret.
 *
 * @example
 * configurationReason({ problem: "token-refused", status: "401", message: "Unauthorized", sources });
 * // "configuration error: the token endpoint refused the client (401): fix the Auth0 client secret"
 */
export function configurationReason(event: Omit<ConfigurationErrorEvent, "sources">): string {
  const problem = event.problem as ConfigurationProblem;
  const what = CONFIGURATION_PROBLEM_TEXT[problem];
  if (what === undefined) return `configuration error: ${event.message} (${event.status})`;
  const status = problem === "credentials" ? "" : ` (${event.status})`;
  return `configuration error: ${what}${status}: ${FIXES[problem]}`;
}
