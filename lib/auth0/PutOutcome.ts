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
  rateLimit?: RateLimit;
}

/** 400, 403, 404, 409, other 4xx, and a 401 that a fresh token did not cure: retrying will not help. */
export interface PermanentOutcome extends FailureDetail {
  kind: "permanent";
  status: number;
  rateLimit?: RateLimit;
}

/** The outcome of one `PUT /api/v2/users/{id}/authentication-methods`, as a discriminated union on `kind`. */
export type PutOutcome = AppliedOutcome | ThrottledOutcome | TransientOutcome | PermanentOutcome;
