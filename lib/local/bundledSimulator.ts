import { type Auth0Simulator, startAuth0Simulator } from "../simulator/index.js";
import type { Auth0Target } from "./types.js";

/** Marks a user id the bundled simulator does not know (PUT answers 404), as in `samples/sample.csv`. */
export const UNKNOWN_USER_MARKER = "|missing-";

/** Whether the bundled simulator knows a user: every id but those holding {@link UNKNOWN_USER_MARKER}. */
export function isKnownSampleUser(userId: string): boolean {
  return !userId.includes(UNKNOWN_USER_MARKER);
}

/** The tenant name of the bundled simulator's sync state (see `Auth0Target.tenant`). */
export const BUNDLED_SIMULATOR_TENANT = "bundled-simulator";

/** Options of {@link startBundledSimulator}. */
export interface BundledSimulatorOptions {
  /** The tenant's rate limit, requests per second. @default 16 (Auth0 Enterprise production) */
  rps?: number;
  /** The bucket size. @default 50 */
  burst?: number;
  /** Added latency per response, ms. @default [5, 25] */
  latencyMs?: readonly [number, number];
}

/**
 * Starts the Auth0 simulator the way `run` uses it when no tenant is configured: on a free loopback port, with
 * an Enterprise-like rate limit, a little latency, and every user known but those whose id holds `|missing-`.
 *
 * @example
 * const { simulator, target } = await startBundledSimulator();
 * await runLocalMigration({ file, target });
 * await simulator.stop();
 */
export async function startBundledSimulator(
  options: BundledSimulatorOptions = {},
): Promise<{ simulator: Auth0Simulator; target: Auth0Target }> {
  const simulator = await startAuth0Simulator({
    rps: options.rps ?? 16,
    burst: options.burst ?? 50,
    latencyMs: options.latencyMs ?? [5, 25],
    knownUsers: isKnownSampleUser,
  });
  return {
    simulator,
    target: {
      domain: simulator.url,
      clientId: simulator.clientId,
      clientSecret: simulator.clientSecret,
      // Its port changes every run: the sync state is kept under one fixed name instead.
      tenant: BUNDLED_SIMULATOR_TENANT,
    },
  };
}
