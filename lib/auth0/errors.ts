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

/**
 * The Auth0 credentials could not be read (Secrets Manager failed, the secret has no value yet, or its value
 * is not `{"clientId","clientSecret"}`). `configuration` says whether the operator must act (an empty or
 * malformed secret, no access) or it may pass by itself (Secrets Manager throttled or unreachable). Never
 * carries the secret's value.
 */
export class CredentialsUnavailableError extends Error {
  public override readonly name = "CredentialsUnavailableError";

  public constructor(
    public readonly detail: string,
    public readonly configuration: boolean,
    options?: ErrorOptions,
  ) {
    super(`the Auth0 credentials could not be read: ${detail}`, options);
  }
}
