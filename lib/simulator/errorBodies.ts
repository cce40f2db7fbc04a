/**
 * The JSON bodies Auth0 answers errors with, copied from real responses where they could be found
 * (see the README section "The Auth0 simulator" for sources and for which ones are inferred).
 */

/** A Management API error: `{statusCode, error, message, errorCode?}`. */
export interface ManagementErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
  attributes?: { error: string };
}

/** An Authentication API (`/oauth/token`) error: OAuth 2.0 style. */
export interface AuthenticationErrorBody {
  error: string;
  error_description: string;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The HTTP reason phrase Auth0 puts in `error`. */
export function reasonPhrase(statusCode: number): string {
  return REASONS[statusCode] ?? "Error";
}

/** A Management API error body; `errorCode` is left out when not given, as Auth0 sometimes does. */
export function managementError(
  statusCode: number,
  message: string,
  errorCode?: string,
): ManagementErrorBody {
  const body: ManagementErrorBody = { statusCode, error: reasonPhrase(statusCode), message };
  if (errorCode !== undefined) body.errorCode = errorCode;
  return body;
}

/** The 429 body of the Management API's global (tenant) limit. */
export const TOO_MANY_REQUESTS: ManagementErrorBody = managementError(
  429,
  "Global limit has been reached",
  "too_many_requests",
);

/** 404 for a user id that does not exist. */
export const INEXISTENT_USER: ManagementErrorBody = managementError(
  404,
  "The user does not exist.",
  "inexistent_user",
);

/** 404 for a path or method the Management API does not have. */
export const ROUTE_NOT_FOUND: ManagementErrorBody = managementError(404, "Not Found");

/** 401 without an `Authorization: Bearer` header. */
export const MISSING_AUTHENTICATION: ManagementErrorBody = managementError(401, "Missing authentication");

/** 401 for a token the tenant never issued (or revoked). */
export const INVALID_TOKEN: ManagementErrorBody = {
  ...managementError(401, "Invalid token"),
  attributes: { error: "Invalid token" },
};

/** 401 for a token past its `exp`. */
export const EXPIRED_TOKEN: ManagementErrorBody = {
  ...managementError(401, "Expired token received for JSON Web Token validation"),
  attributes: { error: "Expired token received for JSON Web Token validation" },
};

/** 403 for a token without the scope an endpoint needs. */
export function insufficientScope(scope: string): ManagementErrorBody {
  return managementError(403, `Insufficient scope, expected any of: ${scope}`, "insufficient_scope");
}

/** 400 for a body that fails schema validation. */
export function invalidBody(message: string): ManagementErrorBody {
  return managementError(400, message, "invalid_body");
}

/** 400 for a body that is not JSON (hapi's wording, which the Management API uses). */
export const INVALID_JSON: ManagementErrorBody = managementError(400, "Invalid request payload JSON format");

/** 415 for a body that is neither JSON nor without a content type. */
export const UNSUPPORTED_MEDIA_TYPE: ManagementErrorBody = managementError(415, "Unsupported Media Type");

/** 413 for an oversized body. */
export const PAYLOAD_TOO_LARGE: ManagementErrorBody = managementError(
  413,
  "Payload content length greater than maximum allowed: 1048576",
);

/** An injected server error. */
export function serverError(statusCode: number): ManagementErrorBody {
  return managementError(
    statusCode,
    statusCode === 500 ? "An internal server error occurred" : reasonPhrase(statusCode),
  );
}

/** `/oauth/token`: wrong client id or secret. */
export const ACCESS_DENIED: AuthenticationErrorBody = {
  error: "access_denied",
  error_description: "Unauthorized",
};

/** `/oauth/token`: an audience that is not this tenant's Management API. */
export function serviceNotEnabled(audience: string): AuthenticationErrorBody {
  return { error: "access_denied", error_description: `Service not enabled within domain: ${audience}` };
}

/** `/oauth/token`: no audience at all. */
export const NO_AUDIENCE: AuthenticationErrorBody = {
  error: "access_denied",
  error_description: "No audience parameter was provided, and no default audience has been configured",
};

/** `/oauth/token`: a grant other than client_credentials. */
export function unsupportedGrantType(grantType: string): AuthenticationErrorBody {
  return { error: "unsupported_grant_type", error_description: `Unsupported grant type: ${grantType}` };
}

/** `/oauth/token`: a body that could not be read. */
export function invalidRequest(description: string): AuthenticationErrorBody {
  return { error: "invalid_request", error_description: description };
}

/** `/oauth/token`: the client has no grant for the Management API (Auth0's wording). */
export function clientNotAuthorized(audience: string): AuthenticationErrorBody {
  return {
    error: "access_denied",
    error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
  };
}
