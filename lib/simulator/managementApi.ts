import { validateAuthenticationMethods } from "./authenticationMethods.js";
import {
  EXPIRED_TOKEN,
  INEXISTENT_USER,
  INVALID_JSON,
  INVALID_TOKEN,
  insufficientScope,
  invalidBody,
  MISSING_AUTHENTICATION,
  PAYLOAD_TOO_LARGE,
  ROUTE_NOT_FOUND,
  UNSUPPORTED_MEDIA_TYPE,
} from "./errorBodies.js";
import type { MethodStore } from "./MethodStore.js";
import { mediaType, type SimulatorRequest, type SimulatorResponse } from "./SimulatorRequest.js";
import type { TokenStore } from "./TokenStore.js";

/** What the Management API routes need from the simulator. */
export interface ManagementApiContext {
  tokens: TokenStore;
  methods: MethodStore;
  clock: () => number;
  knownUsers: (userId: string) => boolean;
  /** Called when a PUT replaced a user's methods. */
  onApplied(): void;
}

const METHODS_PATH = /^\/api\/v2\/users\/([^/]+)\/authentication-methods\/?$/;

/** The user id of an `/api/v2/users/{id}/authentication-methods` path, URL-decoded; `undefined` otherwise. */
export function authenticationMethodsUserId(path: string): string | undefined {
  const encoded = METHODS_PATH.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

function authenticate(request: SimulatorRequest, context: ManagementApiContext, scope: string) {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? "")?.[1];
  if (bearer === undefined) return { status: 401, body: MISSING_AUTHENTICATION };
  const check = context.tokens.check(bearer, context.clock());
  if (check.status === "unknown") {
    return {
      status: 401,
      body: INVALID_TOKEN,
      headers: { "www-authenticate": 'Bearer error="Invalid token"' },
    };
  }
  if (check.status === "expired") {
    return {
      status: 401,
      body: EXPIRED_TOKEN,
      headers: { "www-authenticate": 'Bearer error="Expired token received for JSON Web Token validation"' },
    };
  }
  if (!check.scopes.includes(scope)) return { status: 403, body: insufficientScope(scope) };
  return undefined;
}

/** Parses a JSON body the way the Management API (hapi) does: no content type means JSON, anything else 415. */
function parseJsonBody(request: SimulatorRequest): { value: unknown } | SimulatorResponse {
  if (request.body === undefined) return { status: 413, body: PAYLOAD_TOO_LARGE };
  const type = mediaType(request.contentType);
  if (type !== undefined && type !== "application/json" && !type.endsWith("+json")) {
    return { status: 415, body: UNSUPPORTED_MEDIA_TYPE };
  }
  if (request.body.trim() === "") return { value: null };
  try {
    return { value: JSON.parse(request.body) };
  } catch {
    return { status: 400, body: INVALID_JSON };
  }
}

/**
 * Routes one Management API request that got a rate-limit token: `PUT` and `GET`
 * `/api/v2/users/{id}/authentication-methods`; anything else is 404. Checks run in Auth0's order:
 * route, token, scope, body (content type, JSON, schema), then the user's existence.
 */
export function handleManagementRequest(
  request: SimulatorRequest,
  context: ManagementApiContext,
): SimulatorResponse {
  const userId = authenticationMethodsUserId(request.path);
  if (userId === undefined || (request.method !== "PUT" && request.method !== "GET")) {
    return { status: 404, body: ROUTE_NOT_FOUND };
  }
  if (request.method === "GET") {
    const denied = authenticate(request, context, "read:authentication_methods");
    if (denied !== undefined) return denied;
    if (!context.knownUsers(userId)) return { status: 404, body: INEXISTENT_USER };
    return { status: 200, body: context.methods.get(userId) };
  }
  const denied = authenticate(request, context, "update:authentication_methods");
  if (denied !== undefined) return denied;
  const parsed = parseJsonBody(request);
  if (!("value" in parsed)) return parsed;
  const validation = validateAuthenticationMethods(parsed.value);
  if (!validation.valid) return { status: 400, body: invalidBody(validation.message) };
  if (!context.knownUsers(userId)) return { status: 404, body: INEXISTENT_USER };
  const stored = context.methods.replace(userId, validation.methods, context.clock());
  context.onApplied();
  return { status: 200, body: stored };
}
