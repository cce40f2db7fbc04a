import { createHmac } from "node:crypto";
import type { AuthenticationMethod } from "../factors/types.js";

/** The version of the canonical form below: a change of it makes every user `changed` once. */
const CANONICAL_VERSION = "v1";

/**
 * The canonical text of one method: its fields in name order, as JSON pairs (the method is already normalised by
 * ingest: E.164 phone numbers, upper-case base32 secrets, lower-case types).
 */
function canonicalMethod(method: AuthenticationMethod): string {
  const entries = Object.entries(method)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/**
 * The HMAC-SHA256 of a user's normalised method set, base64url: order-independent (the same methods in another
 * order give the same HMAC), keyed (a phone number is guessable, so an unkeyed hash would give it away), and
 * bound to the user id (two users with the same factors get different HMACs, so the table tells nobody they
 * share them). The only form in which a method set is stored.
 *
 * @example
 * const hmac = methodSetHmac(key, "auth0|abc", [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP" }]);
 */
export function methodSetHmac(
  key: Uint8Array,
  userId: string,
  methods: readonly AuthenticationMethod[],
): string {
  const canonical = methods.map(canonicalMethod).sort();
  const mac = createHmac("sha256", key);
  mac.update(`${CANONICAL_VERSION}\u0000${userId}\u0000`);
  mac.update(canonical.join("\n"));
  return mac.digest("base64url");
}
