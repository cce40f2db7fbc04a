import {
  ACCESS_DENIED,
  clientNotAuthorized,
  invalidRequest,
  NO_AUDIENCE,
  serviceNotEnabled,
  unsupportedGrantType,
} from "./errorBodies.js";
import type { ResolvedSimulatorOptions } from "./options.js";
import { mediaType, type SimulatorRequest, type SimulatorResponse } from "./SimulatorRequest.js";
import type { TokenStore } from "./TokenStore.js";

/** What `/oauth/token` needs from the simulator. */
export interface TokenEndpointContext {
  clients: ResolvedSimulatorOptions["clients"];
  tokens: TokenStore;
  clock: () => number;
  tokenLifetimeSeconds: number;
  /** Whether an audience names this tenant's Management API. */
  isOwnAudience(audience: string, host: string | undefined): boolean;
  /** Called once per token issued. */
  onIssued(): void;
  /** A configuration error the operator scripted: every client refused with this status. */
  refusal?: 401 | 403;
}

/** Auth0's token response for the client-credentials grant. */
export interface TokenResponseBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function parseFields(request: SimulatorRequest): Record<string, string> | string {
  const text = request.body ?? "";
  const type = mediaType(request.contentType);
  if (type === "application/x-www-form-urlencoded") return Object.fromEntries(new URLSearchParams(text));
  if (type === "application/json") {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "Invalid JSON body";
      return Object.fromEntries(
        Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
      );
    } catch {
      return "Invalid JSON body";
    }
  }
  return "Content-Type must be application/x-www-form-urlencoded or application/json";
}

/** Client credentials from the body, or from HTTP Basic (client_secret_basic), which Auth0 also accepts. */
function credentials(fields: Record<string, string>, authorization: string | undefined): [string?, string?] {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? "");
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      return [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
    }
  }
  return [fields.client_id, fields.client_secret];
}

/**
 * `POST /oauth/token` with `grant_type=client_credentials`, form-urlencoded (as the official SDK sends it)
 * or JSON. Answers Auth0's token response, or its OAuth-style error bodies.
 */
export function handleTokenRequest(
  request: SimulatorRequest,
  context: TokenEndpointContext,
): SimulatorResponse {
  const fields = parseFields(request);
  if (typeof fields === "string") return { status: 400, body: invalidRequest(fields), headers: NO_STORE };
  const grantType = fields.grant_type;
  if (grantType === undefined) {
    return { status: 400, body: invalidRequest("Missing required parameter: grant_type"), headers: NO_STORE };
  }
  if (grantType !== "client_credentials") {
    return { status: 400, body: unsupportedGrantType(grantType), headers: NO_STORE };
  }
  const [clientId, clientSecret] = credentials(fields, request.authorization);
  const client = context.clients.find((candidate) => candidate.clientId === clientId);
  if (client === undefined || client.clientSecret !== clientSecret || context.refusal === 401) {
    return { status: 401, body: ACCESS_DENIED, headers: NO_STORE };
  }
  const audience = fields.audience;
  if (context.refusal === 403) {
    return { status: 403, body: clientNotAuthorized(audience ?? ""), headers: NO_STORE };
  }
  if (audience === undefined || audience === "") return { status: 403, body: NO_AUDIENCE, headers: NO_STORE };
  if (!context.isOwnAudience(audience, request.host)) {
    return { status: 403, body: serviceNotEnabled(audience), headers: NO_STORE };
  }
  const accessToken = context.tokens.issue(
    client.clientId,
    client.scopes,
    context.clock(),
    context.tokenLifetimeSeconds * 1000,
  );
  context.onIssued();
  const body: TokenResponseBody = {
    access_token: accessToken,
    token_type: "Bearer",
    // Auth0 sends whole seconds; a fractional test lifetime still expires at its exact time.
    expires_in: Math.ceil(context.tokenLifetimeSeconds),
    scope: client.scopes.join(" "),
  };
  return { status: 200, body, headers: NO_STORE };
}
