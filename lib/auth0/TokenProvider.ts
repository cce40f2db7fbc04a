import type { Auth0Endpoint } from "./Auth0Endpoint.js";
import type { CredentialsSource } from "./CredentialsCache.js";
import { readAuth0ErrorBody } from "./classifyResponse.js";
import { CredentialsUnavailableError, TokenRequestError } from "./errors.js";
import { describeFetchFailure } from "./fetchFailure.js";
import { readRateLimit } from "./RateLimit.js";

/** The Management API application's client credentials (from Secrets Manager, never from code or env). */
export interface Auth0Credentials {
  clientId: string;
  clientSecret: string;
}

/** Anything that hands out a Management API token and can be told that one was refused. */
export interface TokenSource {
  getToken(): Promise<string>;
  /** Drops `token` if it is still the cached one, so the next {@link getToken} fetches a new one. */
  invalidate(token: string): void;
}

/** Options of {@link TokenProvider}. */
export interface TokenProviderOptions {
  endpoint: Auth0Endpoint;
  /**
   * Fixed credentials, or a source that is read for every token request and told of every failed one
   * ({@link CredentialsCache}), so a fixed or rotated secret is picked up without a restart.
   */
  credentials: Auth0Credentials | CredentialsSource;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Per-request timeout of the token request. @default 10_000 */
  timeoutMs?: number;
  /**
   * Refresh this long before expiry, capped at a tenth of the token's lifetime (so short test lifetimes work).
   * @default 60_000
   */
  refreshBeforeExpiryMs?: number;
}

interface CachedToken {
  value: string;
  refreshAtMs: number;
}

/**
 * Client-credentials tokens for the Management API, fetched once and cached until shortly before they expire.
 * Concurrent callers share one in-flight request, so a cold container sends one token request, not one per PUT
 * (fetching a token per request is the classic cause of 429s on `/oauth/token`).
 *
 * @example
 * const tokens = new TokenProvider({ endpoint: toAuth0Endpoint(domain), credentials });
 * const token = await tokens.getToken();
 */
export class TokenProvider implements TokenSource {
  readonly #options: Required<Omit<TokenProviderOptions, "endpoint" | "credentials">>;
  readonly #endpoint: Auth0Endpoint;
  readonly #credentials: CredentialsSource;
  #cached: CachedToken | undefined;
  #inFlight: Promise<CachedToken> | undefined;
  #fetches = 0;

  public constructor(options: TokenProviderOptions) {
    this.#endpoint = options.endpoint;
    const { credentials } = options;
    this.#credentials =
      "get" in credentials ? credentials : { get: async () => credentials, invalidate: () => {} };
    this.#options = {
      fetch: options.fetch ?? globalThis.fetch,
      clock: options.clock ?? Date.now,
      timeoutMs: options.timeoutMs ?? 10_000,
      refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? 60_000,
    };
  }

  /** Token requests sent so far (for tests and benchmarks). */
  public get fetchCount(): number {
    return this.#fetches;
  }

  /**
   * A valid token: the cached one, or a new one when there is none or it is close to expiry.
   * @throws {@link TokenRequestError} when the token endpoint fails or cannot be reached;
   *   {@link CredentialsUnavailableError} when the credentials cannot be read or are empty.
   */
  public async getToken(): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#options.clock() < cached.refreshAtMs) return cached.value;
    if (!this.#inFlight) {
      this.#inFlight = this.#fetchToken().finally(() => {
        this.#inFlight = undefined;
      });
    }
    return (await this.#inFlight).value;
  }

  public invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  async #fetchToken(): Promise<CachedToken> {
    const credentials = await this.#credentials.get();
    if (credentials.clientId === "" || credentials.clientSecret === "") {
      this.#credentials.invalidate();
      const empty = credentials.clientId === "" ? "client id" : "client secret";
      throw new CredentialsUnavailableError(`the ${empty} is empty`, true);
    }
    try {
      return await this.#requestToken(credentials);
    } catch (error) {
      // Whatever failed, the secret may have been fixed or rotated since it was read: read it again next time.
      this.#credentials.invalidate();
      throw error;
    }
  }

  async #requestToken(credentials: Auth0Credentials): Promise<CachedToken> {
    this.#fetches++;
    const startedAt = this.#options.clock();
    const { timeoutMs } = this.#options;
    let response: Response;
    let text: string;
    try {
      response = await this.#options.fetch(`${this.#endpoint.baseUrl}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          grant_type: "client_credentials",
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          audience: this.#endpoint.audience,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const failure = describeFetchFailure(error, timeoutMs);
      throw new TokenRequestError(failure.status, failure.message);
    }
    if (!response.ok) {
      throw tokenError(response, text);
    }
    const token = readTokenResponse(text);
    if (!token) {
      throw new TokenRequestError(response.status, "the token response has no access_token and expires_in");
    }
    const lifetimeMs = token.expiresIn * 1000;
    const margin = Math.min(this.#options.refreshBeforeExpiryMs, lifetimeMs / 10);
    const cached = { value: token.accessToken, refreshAtMs: startedAt + lifetimeMs - margin };
    this.#cached = cached;
    return cached;
  }
}

function tokenError(response: Response, text: string): TokenRequestError {
  // The token endpoint answers `{error, error_description}`; a 429 may come in the Management API's shape.
  let description: string | undefined;
  try {
    const json = JSON.parse(text) as { error_description?: unknown };
    if (typeof json.error_description === "string") description = json.error_description;
  } catch {
    // not JSON: fall back to the status
  }
  const body = readAuth0ErrorBody(text);
  return new TokenRequestError(
    response.status,
    (description ?? body.message ?? `HTTP ${response.status}`).slice(0, 500),
    body.errorCode ?? body.error,
    readRateLimit(response.headers),
  );
}

function readTokenResponse(text: string): { accessToken: string; expiresIn: number } | undefined {
  try {
    const json = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== "string" || json.access_token === "") return undefined;
    const expiresIn = Number(json.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) return undefined;
    return { accessToken: json.access_token, expiresIn };
  } catch {
    return undefined;
  }
}
