import { randomBytes } from "node:crypto";

/** What the Management API learns from a bearer token. */
export type TokenCheck =
  | { status: "valid"; clientId: string; scopes: readonly string[] }
  | { status: "expired" }
  | { status: "unknown" };

interface IssuedToken {
  clientId: string;
  scopes: readonly string[];
  expiresAt: number;
}

/** Opaque access tokens the simulator issued, with their expiry (real Auth0 tokens are JWTs; nobody here reads them). */
export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();

  /** Issues a token that expires `lifetimeMs` after `now`. */
  issue(clientId: string, scopes: readonly string[], now: number, lifetimeMs: number): string {
    const token = `sim_${randomBytes(24).toString("base64url")}`;
    this.#tokens.set(token, { clientId, scopes, expiresAt: now + lifetimeMs });
    return token;
  }

  /** Whether `token` was issued here and is still valid at `now`. */
  check(token: string, now: number): TokenCheck {
    const issued = this.#tokens.get(token);
    if (issued === undefined) return { status: "unknown" };
    if (now >= issued.expiresAt) return { status: "expired" };
    return { status: "valid", clientId: issued.clientId, scopes: issued.scopes };
  }

  /** Makes every token issued so far expired (they answer "Expired token" from now on). */
  expireAll(now: number): void {
    for (const issued of this.#tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now);
  }
}
