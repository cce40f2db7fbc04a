import type { RateLimit } from "./RateLimit.js";

/** What is known of a failure: Auth0's error body `{statusCode, error, message, errorCode?}`, or ours. */
export interface FailureDetail {
  /** Auth0's `errorCode` (e.g. `inexistent_user`); Auth0 sometimes leaves it out. */
  errorCode?: string;
  /** Auth0's `message`, or a description of our own (never a request body, token or secret). */
  message: string;
}

/** The PUT was accepted (2xx): the user's methods are now the ones sent. */
export interface AppliedOutcome {
  kind: "applied";
  status: number;
  rateLimit?: RateLimit;
}

/** 429: the tenant's bucket is empty. Not a failure: wait until `resetAtMs` and try again. */
export interface ThrottledOutcome extends FailureDetail {
  kind: "throttled";
  status: 429;
  /** From `x-ratelimit-reset`, when the response carried it. */
  resetAtMs?: number;
  rateLimit?: RateLimit;
}

/** 5xx, 408, a timeout or a connection error (also on the token request): worth another try later. */
export interface TransientOutcome extends FailureDetail {
  kind: "transient";
  /** The HTTP status, or `timeout` / `network` when no response came. */
  status: number | "timeout" | "network";
  /** `token` when it was the token request (or the credentials read) that failed, not this user's PUT. */
  stage?: "token";
  rateLimit?: RateLimit;
}

/** 400, 404, 409, other 4xx (a 403 other than a missing scope): this user's, retrying will not help. */
export interface PermanentOutcome extends FailureDetail {
  kind: "permanent";
  status: number;
  rateLimit?: RateLimit;
}

/** What the operator must fix for a {@link ConfigurationOutcome}. */
export type ConfigurationProblem =
  /** `/oauth/token` answered 401/403 (or another 4xx): wrong client id or secret, no client grant. */
  | "token-refused"
  /** The Management API refused a fresh token (401 after a refresh). */
  | "unauthorized"
  /** 403 `insufficient_scope`: the client grant lacks `update:authentication_methods`. */
  | "missing-scope"
  /** The credentials could not be read, or are empty (an empty secret of a first deploy). */
  | "credentials";

/**
 * A configuration error: the same answer for every user, so not this user's failure. The records are held
 * (nothing is dead-lettered) and the job paused until the operator fixes the secret or the grant.
 */
export interface ConfigurationOutcome extends FailureDetail {
  kind: "configuration";
  problem: ConfigurationProblem;
  /** The HTTP status, or `credentials` when no request could be made. */
  status: number | "credentials";
  rateLimit?: RateLimit;
}

/** The outcome of one `PUT /api/v2/users/{id}/authentication-methods`, as a discriminated union on `kind`. */
export type PutOutcome =
  | AppliedOutcome
  | ThrottledOutcome
  | TransientOutcome
  | PermanentOutcome
  | ConfigurationOutcome;
