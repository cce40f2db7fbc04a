import { CredentialsUnavailableError } from "./errors.js";
import type { Auth0Credentials } from "./TokenProvider.js";

/** Where the token provider gets its client credentials; re-read when they may have changed. */
export interface CredentialsSource {
  /** The credentials, cached or read again. @throws {@link CredentialsUnavailableError} */
  get(): Promise<Auth0Credentials>;
  /** Marks the cached credentials stale (a token request failed): the next {@link get} reads them again. */
  invalidate(): void;
}

/** Options of {@link CredentialsCache}. */
export interface CredentialsCacheOptions {
  /** Reads the credentials (Secrets Manager on AWS, the environment or `.env` locally). */
  load: () => Promise<Auth0Credentials>;
  /**
   * Longest time a read is reused, so a rotated secret is picked up without a redeploy even when nothing
   * fails. @default 300_000 (5 minutes)
   */
  maxAgeMs?: number;
  /**
   * Says whether a load error needs the operator (the secret is empty or malformed, access is denied) rather
   * than passing by itself. @default every error is a configuration error except throttling and network errors
   */
  isConfigurationError?: (error: unknown) => boolean;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
}

const PASSING_ERRORS = new Set([
  "ThrottlingException",
  "InternalServiceError",
  "InternalServiceErrorException",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
]);

/** Whether a Secrets Manager (or network) error may pass by itself. */
function passesByItself(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return (
    (typeof name === "string" && PASSING_ERRORS.has(name)) ||
    (typeof code === "string" && PASSING_ERRORS.has(code))
  );
}

/**
 * Client credentials read at most every `maxAgeMs`, and again after every {@link invalidate} (the token
 * provider calls it on each failed token request), so putting the right secret in Secrets Manager makes apply
 * resume by itself. Concurrent callers share one read; a failed read is not cached.
 *
 * @example
 * const credentials = new CredentialsCache({ load: () => loadAuth0Credentials(secrets, secretArn) });
 * const tokens = new TokenProvider({ endpoint, credentials });
 */
export class CredentialsCache implements CredentialsSource {
  readonly #load: () => Promise<Auth0Credentials>;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;
  readonly #isConfigurationError: (error: unknown) => boolean;
  #cached: { value: Auth0Credentials; readAtMs: number } | undefined;
  #inFlight: Promise<Auth0Credentials> | undefined;
  #loads = 0;

  public constructor(options: CredentialsCacheOptions) {
    this.#load = options.load;
    this.#maxAgeMs = options.maxAgeMs ?? 300_000;
    this.#clock = options.clock ?? Date.now;
    this.#isConfigurationError = options.isConfigurationError ?? ((error) => !passesByItself(error));
    if (!Number.isFinite(this.#maxAgeMs) || this.#maxAgeMs < 0) {
      throw new RangeError(`maxAgeMs must be a number ≥ 0, got ${this.#maxAgeMs}`);
    }
  }

  /** Reads so far (for tests). */
  public get loads(): number {
    return this.#loads;
  }

  public async get(): Promise<Auth0Credentials> {
    const cached = this.#cached;
    if (cached && this.#clock() - cached.readAtMs < this.#maxAgeMs) return cached.value;
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  public invalidate(): void {
    this.#cached = undefined;
  }

  async #read(): Promise<Auth0Credentials> {
    this.#loads++;
    const readAtMs = this.#clock();
    let value: Auth0Credentials;
    try {
      value = await this.#load();
    } catch (error) {
      if (error instanceof CredentialsUnavailableError) throw error;
      const name = error instanceof Error ? error.name : "unknown error";
      // The loaders' own messages never quote the value (InvalidCredentialsSecretError names the problem).
      const detail =
        error instanceof Error && name === "InvalidCredentialsSecretError" ? error.message : name;
      throw new CredentialsUnavailableError(detail, this.#isConfigurationError(error), { cause: error });
    }
    this.#cached = { value, readAtMs };
    return value;
  }
}

/** Credentials that never change (tests, a tenant given on the command line once). */
export function fixedCredentials(credentials: Auth0Credentials): CredentialsSource {
  return { get: async () => credentials, invalidate: () => {} };
}
