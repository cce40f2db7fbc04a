import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import type { Auth0Credentials } from "../lib/auth0/TokenProvider.js";

/**
 * Reads `AUTH0_CLIENT_ID` and `AUTH0_CLIENT_SECRET` afresh on every call: from `.env` when it defines them
 * (so an operator who fixes the secret there while a run is paused sees it resume), otherwise from the
 * environment the command started with. The local counterpart of re-reading the secret from Secrets Manager.
 *
 * @example
 * const credentials = new CredentialsCache({ load: credentialsFromEnv() });
 */
export function credentialsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dotEnvPath = ".env",
): () => Promise<Auth0Credentials> {
  return async () => {
    let file: NodeJS.Dict<string> = {};
    if (existsSync(dotEnvPath)) {
      try {
        file = parseEnv(readFileSync(dotEnvPath, "utf8"));
      } catch {
        // Unreadable for a moment (being saved): the environment's values stand.
      }
    }
    const read = (name: string) => (file[name] ?? env[name] ?? "").trim();
    return { clientId: read("AUTH0_CLIENT_ID"), clientSecret: read("AUTH0_CLIENT_SECRET") };
  };
}
