import { existsSync } from "node:fs";
import type { Auth0Target } from "../lib/local/types.js";

/** The three variables naming a real tenant. */
export const TARGET_VARIABLES = ["AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"] as const;

/** Where a run sends its PUTs: the tenant of the environment, or the bundled simulator. */
export type TargetChoice = { kind: "tenant"; target: Auth0Target } | { kind: "simulator" };

/** Some, but not all, of {@link TARGET_VARIABLES} are set: a half-configured tenant is a usage error. */
export class IncompleteTargetError extends Error {
  public override readonly name = "IncompleteTargetError";

  public constructor(public readonly missing: readonly string[]) {
    super(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set: set all of ${TARGET_VARIABLES.join(", ")} for a real tenant, or none of them for the bundled simulator`,
    );
  }
}

/**
 * Loads `path` (default `.env` in the working directory) into `process.env` with Node's own parser, when the
 * file exists; variables already set in the environment win. Returns whether a file was read.
 */
export function loadDotEnv(path = ".env"): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/**
 * Chooses the target from the environment: all three variables set → that tenant; none → the simulator.
 *
 * @throws {@link IncompleteTargetError} when only some are set.
 */
export function chooseTarget(env: NodeJS.ProcessEnv = process.env): TargetChoice {
  const set = TARGET_VARIABLES.filter((name) => (env[name] ?? "").trim() !== "");
  if (set.length === 0) return { kind: "simulator" };
  if (set.length < TARGET_VARIABLES.length) {
    throw new IncompleteTargetError(TARGET_VARIABLES.filter((name) => !set.includes(name)));
  }
  return {
    kind: "tenant",
    target: {
      domain: (env.AUTH0_DOMAIN ?? "").trim(),
      clientId: (env.AUTH0_CLIENT_ID ?? "").trim(),
      clientSecret: (env.AUTH0_CLIENT_SECRET ?? "").trim(),
    },
  };
}
