import type { AuthenticationMethod } from "../factors/types.js";

/**
 * Removes every factor value of `methods` (TOTP secret, phone number, email) from a text that is stored in the
 * jobs table (an Auth0 message could echo one; the table holds no factor value).
 *
 * @example
 * withoutFactorValues("Invalid phone +15551234567", [{ type: "phone", phone_number: "+15551234567" }])
 * // "Invalid phone [redacted]"
 */
export function withoutFactorValues(text: string, methods: readonly AuthenticationMethod[]): string {
  let clean = text;
  for (const method of methods) {
    const value =
      method.type === "totp"
        ? method.totp_secret
        : method.type === "phone"
          ? method.phone_number
          : method.email;
    if (value.length > 0) clean = clean.split(value).join("[redacted]");
  }
  return clean;
}
