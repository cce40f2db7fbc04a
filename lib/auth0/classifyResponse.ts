import type { PutOutcome } from "./PutOutcome.js";
import type { RateLimit } from "./RateLimit.js";

/** The fields of Auth0's error body `{statusCode, error, message, errorCode?}` that we keep. */
export interface Auth0ErrorBody {
  error?: string;
  message?: string;
  errorCode?: string;
}

/**
 * Reads Auth0's error body. Anything that is not that JSON shape yields `{}`: the raw text is never kept,
 * since an unknown body could echo what was sent.
 */
export function readAuth0ErrorBody(text: string): Auth0ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== "object" || json === null) return {};
  const record = json as Record<string, unknown>;
  const pick = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined);
  return { error: pick("error"), message: pick("message"), errorCode: pick("errorCode") };
}

/**
 * Classifies one response of the PUT (after any token refresh) into a {@link PutOutcome}:
 * 2xx applied; 429 throttled; 408 and 5xx transient; 401 (a fresh token refused) and 403 `insufficient_scope`
 * configuration (the same for every user); every other status permanent (400, 404, 409, another 403, and
 * anything unexpected, which a retry would not change).
 *
 * @example
 * classifyResponse(404, { message: "The user does not exist.", errorCode: "inexistent_user" }, undefined);
 * // { kind: "permanent", status: 404, errorCode: "inexistent_user", message: "The user does not exist." }
 */
export function classifyResponse(
  status: number,
  body: Auth0ErrorBody,
  rateLimit: RateLimit | undefined,
): PutOutcome {
  const withRateLimit = rateLimit ? { rateLimit } : {};
  if (status >= 200 && status < 300) return { kind: "applied", status, ...withRateLimit };
  // Kept whole: it may echo a TOTP secret, which the caller removes before shortening it (a cut here could
  // split a secret so that the removal no longer finds it).
  const message = body.message ?? body.error ?? `HTTP ${status}`;
  const detail = body.errorCode ? { errorCode: body.errorCode, message } : { message };
  if (status === 429) {
    return {
      kind: "throttled",
      status,
      ...detail,
      ...(rateLimit ? { resetAtMs: rateLimit.resetAtMs, rateLimit } : {}),
    };
  }
  if (status === 408 || status >= 500) return { kind: "transient", status, ...detail, ...withRateLimit };
  if (status === 401)
    return { kind: "configuration", problem: "unauthorized", status, ...detail, ...withRateLimit };
  if (status === 403 && isMissingScope(body)) {
    return { kind: "configuration", problem: "missing-scope", status, ...detail, ...withRateLimit };
  }
  return { kind: "permanent", status, ...detail, ...withRateLimit };
}

/** Auth0's 403 for a token without the endpoint's scope ("Insufficient scope, expected any of: ..."). */
function isMissingScope(body: Auth0ErrorBody): boolean {
  return body.errorCode === "insufficient_scope" || /insufficient scope/i.test(body.message ?? "");
}
