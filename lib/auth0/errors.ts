import type { RateLimit } from "./RateLimit.js";

/**
 * The token request failed. Carries what is safe to record: the status (or `timeout` / `network`), Auth0's
 * `error` code and description, never the client secret or the request body.
 */
export class TokenRequestError extends Error {
  public override readonly name = "TokenRequestError";

  public constructor(
    public readonly status: number | "timeout" | "network",
    public readonly detail: string,
    public readonly errorCode?: string,
    public readonly rateLimit?: RateLimit,
  ) {
    super(`token request failed (${status}): ${detail}`);
  }
}
