/** The outcome of normalising a TOTP secret. The reason never contains the secret. */
export type TotpSecretResult = { ok: true; secret: string } | { ok: false; reason: string };

const WHITESPACE = /\s+/g;
const PADDING = /=+$/;
const BASE32 = /^[A-Z2-7]+$/;

/**
 * Normalises a TOTP secret as design.md says: spaces and trailing `=` padding removed, upper-cased; it must
 * then be base32 (`A`-`Z`, `2`-`7`).
 *
 * @example
 * normaliseTotpSecret("jbsw y3dp ehpk 3pxp=="); // { ok: true, secret: "JBSWY3DPEHPK3PXP" }
 */
export function normaliseTotpSecret(raw: string): TotpSecretResult {
  const secret = compactTotpSecret(raw);
  if (secret === "") return { ok: false, reason: "totp_secret is empty" };
  if (!BASE32.test(secret)) {
    return {
      ok: false,
      reason:
        "totp_secret is not base32 (only letters A-Z and digits 2-7, after removing spaces and '=' padding)",
    };
  }
  return { ok: true, secret };
}

/**
 * A TOTP secret with spaces and trailing `=` padding removed, upper-cased, not checked: the normal form of a
 * secret already known to be valid.
 *
 * @example
 * compactTotpSecret("jbsw y3dp=="); // "JBSWY3DP"
 */
export function compactTotpSecret(raw: string): string {
  return raw.replace(WHITESPACE, "").replace(PADDING, "").toUpperCase();
}
