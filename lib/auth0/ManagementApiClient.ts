import type { AuthenticationMethod } from "../factors/types.js";
import type { Auth0Endpoint } from "./Auth0Endpoint.js";
import { classifyResponse, readAuth0ErrorBody } from "./classifyResponse.js";
import { CredentialsUnavailableError, TokenRequestError } from "./errors.js";
import { describeFetchFailure } from "./fetchFailure.js";
import type { PutOutcome } from "./PutOutcome.js";
import { readRateLimit } from "./RateLimit.js";
import type { TokenSource } from "./TokenProvider.js";

/** Options of {@link ManagementApiClient}. */
export interface ManagementApiClientOptions {
  endpoint: Auth0Endpoint;
  tokens: TokenSource;
  /**
   * Node's fetch keeps connections alive by default (undici's global agent), so PUTs reuse TLS sessions.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /** Per-request timeout (the whole response, body included). @default 10_000 */
  timeoutMs?: number;
}

/**
 * The one Management API call factor-sync makes. It never throws for an HTTP or network outcome: every
 * result is a {@link PutOutcome}, so the caller decides retries in one place. A 401 drops the token and the
 * PUT is sent once more with a fresh one; a second 401 is a configuration error, as is a 403 for a missing
 * scope (whose token is dropped too, so a granted scope is picked up by the next call).
 *
 * @example
 * const client = new ManagementApiClient({ endpoint, tokens });
 * const outcome = await client.putAuthenticationMethods("auth0|42", [{ type: "totp", totp_secret: "JBSWY3DP" }]);
 * if (outcome.kind === "throttled") pacer.throttled(outcome.rateLimit);
 */
export class ManagementApiClient {
  readonly #endpoint: Auth0Endpoint;
  readonly #tokens: TokenSource;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  public constructor(options: ManagementApiClientOptions) {
    this.#endpoint = options.endpoint;
    this.#tokens = options.tokens;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The per-request timeout, so callers can keep a time margin of at least one request. */
  public get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Replaces all of a user's authentication methods with `methods` (PUT; the id is URL-encoded). */
  public async putAuthenticationMethods(
    userId: string,
    methods: AuthenticationMethod[],
  ): Promise<PutOutcome> {
    const body = JSON.stringify(methods);
    const first = await this.#put(userId, body);
    if (first.kind === "missingScope") {
      // The scope is in the token: only a new token can carry a grant the operator adds.
      this.#tokens.invalidate(first.token);
      return first.outcome;
    }
    if (first.kind !== "unauthorized") return first.outcome;
    // An expired or revoked token: fetch a new one, once.
    this.#tokens.invalidate(first.token);
    const second = await this.#put(userId, body);
    if (second.kind !== "done") this.#tokens.invalidate(second.token);
    return second.outcome;
  }

  async #put(
    userId: string,
    body: string,
  ): Promise<
    | { kind: "done"; outcome: PutOutcome }
    | { kind: "unauthorized" | "missingScope"; token: string; outcome: PutOutcome }
  > {
    let token: string;
    try {
      token = await this.#tokens.getToken();
    } catch (error) {
      if (error instanceof TokenRequestError) return { kind: "done", outcome: tokenFailure(error) };
      if (error instanceof CredentialsUnavailableError) {
        return { kind: "done", outcome: credentialsFailure(error) };
      }
      throw error;
    }
    const url = `${this.#endpoint.baseUrl}/api/v2/users/${encodeURIComponent(userId)}/authentication-methods`;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // Always read the body: it frees the keep-alive connection, and error bodies carry the reason.
      text = await response.text();
    } catch (error) {
      const failure = describeFetchFailure(error, this.#timeoutMs);
      return {
        kind: "done",
        outcome: { kind: "transient", status: failure.status, message: failure.message },
      };
    }
    const rateLimit = readRateLimit(response.headers);
    const errorBody = response.ok ? {} : readAuth0ErrorBody(text);
    const outcome = classifyResponse(response.status, errorBody, rateLimit);
    if (response.status === 401) return { kind: "unauthorized", token, outcome };
    if (outcome.kind === "configuration") return { kind: "missingScope", token, outcome };
    return { kind: "done", outcome };
  }
}

/** A failed token request, as the outcome of the PUT that needed it. */
function tokenFailure(error: TokenRequestError): PutOutcome {
  const errorCode = error.errorCode ? { errorCode: error.errorCode } : {};
  const message = `token request failed: ${error.detail}`;
  if (error.status === 429) {
    return {
      kind: "throttled",
      status: 429,
      ...errorCode,
      message,
      ...(error.rateLimit ? { resetAtMs: error.rateLimit.resetAtMs } : {}),
    };
  }
  // The token endpoint down (5xx, 408, no answer) is an incident; any other refusal (401/403 wrong credentials
  // or no grant, 400) is the same for every user until the operator fixes it: a configuration error.
  const { status } = error;
  if (typeof status !== "number" || status === 408 || status >= 500) {
    return { kind: "transient", status, stage: "token", ...errorCode, message };
  }
  return { kind: "configuration", problem: "token-refused", status, ...errorCode, message };
}

/** Credentials that could not be read: the operator's to fix, or (Secrets Manager unreachable) an incident. */
function credentialsFailure(error: CredentialsUnavailableError): PutOutcome {
  return error.configuration
    ? { kind: "configuration", problem: "credentials", status: "credentials", message: error.message }
    : { kind: "transient", status: "network", stage: "token", message: error.message };
}
