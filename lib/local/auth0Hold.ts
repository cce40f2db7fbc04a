import type { CircuitState } from "../apply/CircuitBreaker.js";
import type { Auth0Hold } from "./types.js";

/**
 * The hold an open circuit means for a local run's progress ({@link MigrationProgress.auth0}).
 *
 * @example
 * auth0HoldOf(circuit.state); // { reason: "unavailable", sinceMs, status: "503", message, probeIntervalMs: 30000 }
 */
export function auth0HoldOf(state: CircuitState): Auth0Hold | undefined {
  if (state.status === "closed") return undefined;
  return {
    reason: state.reason,
    sinceMs: state.sinceMs,
    status: String(state.lastStatus),
    message: state.lastMessage,
    ...(state.problem === undefined ? {} : { problem: state.problem }),
    probeIntervalMs: state.probeIntervalMs,
  };
}
