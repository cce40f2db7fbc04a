import { CONFIGURATION_PROBLEM_TEXT } from "../lib/apply/configurationReason.js";
import type { Auth0Hold } from "../lib/local/types.js";

/** `12:03:10`, the machine's local time. */
function clockTime(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/** What the operator must do about a configuration error of a local run. */
const FIXES: Record<string, (status: string) => string> = {
  "token-refused": (status) =>
    `${CONFIGURATION_PROBLEM_TEXT["token-refused"]} (${status}): fix AUTH0_CLIENT_SECRET`,
  unauthorized: (status) =>
    `${CONFIGURATION_PROBLEM_TEXT.unauthorized} (${status}): check AUTH0_DOMAIN and the application's client grant`,
  "missing-scope": (status) =>
    `${CONFIGURATION_PROBLEM_TEXT["missing-scope"]} (${status}): grant it to the application`,
  credentials: () => `${CONFIGURATION_PROBLEM_TEXT.credentials}: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET`,
};

/**
 * The progress line's words for a run holding its records: Auth0 unavailable, or paused on a configuration
 * error with what to fix (the run picks up a fixed `.env` by itself).
 *
 * @example
 * auth0HoldText({ reason: "unavailable", sinceMs, status: "503", message: "", probeIntervalMs: 30_000 });
 * // "Auth0 unavailable since 12:03:10 (503), retrying every 30 s; nothing is lost"
 */
export function auth0HoldText(hold: Auth0Hold): string {
  const every = `${Math.round(hold.probeIntervalMs / 1000)} s`;
  if (hold.reason === "unavailable") {
    return `Auth0 unavailable since ${clockTime(hold.sinceMs)} (${hold.status}), retrying every ${every}; nothing is lost`;
  }
  const fix = FIXES[hold.problem ?? ""]?.(hold.status) ?? `${hold.message} (${hold.status})`;
  return `paused: ${fix}; retrying every ${every}, nothing is lost`;
}
