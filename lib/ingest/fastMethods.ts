import type { AuthenticationMethod } from "../factors/types.js";
import { compactPhoneNumber } from "./phoneNumber.js";
import { compactTotpSecret } from "./totpSecret.js";
import type { UserDraft } from "./types.js";

const E164 = /^\+\d{8,15}$/;

/**
 * The methods of a user already known to be valid, normalised without the checks: no zod, and a phone number
 * already in E.164 form after removing separators is taken as it is (no phone-number library). Undefined when
 * that shortcut does not apply (a national number, say). Pass 1 of reading compares this with the full
 * validation's result and remembers whether they are equal, so pass 2 uses it only where it gives exactly
 * the same methods; it is never used to decide whether a user is valid.
 *
 * @example
 * fastMethods(draft); // [{ type: "phone", phone_number: "+14155552671", preferred_authentication_method: "sms" }]
 */
export function fastMethods(draft: UserDraft): AuthenticationMethod[] | undefined {
  const methods: AuthenticationMethod[] = [];
  for (const { input } of draft.methods) {
    const name = optionalTrimmed(input.name);
    if (name === null) return undefined;
    if (input.type === "phone") {
      if (typeof input.phone_number !== "string") return undefined;
      const phone = compactPhoneNumber(input.phone_number.trim());
      if (!E164.test(phone)) return undefined;
      const preferred = optionalTrimmed(input.preferred_authentication_method);
      if (preferred === null) return undefined;
      const method: AuthenticationMethod = { type: "phone", phone_number: phone };
      if (preferred !== undefined) {
        const lower = preferred.toLowerCase();
        if (lower !== "sms" && lower !== "voice") return undefined;
        method.preferred_authentication_method = lower;
      }
      if (name !== undefined) method.name = name;
      methods.push(method);
    } else if (input.type === "totp") {
      if (typeof input.totp_secret !== "string") return undefined;
      // Unchecked: pass 1 found the user valid, and the same result as the full normalisation.
      const secret = compactTotpSecret(input.totp_secret);
      methods.push(
        name === undefined
          ? { type: "totp", totp_secret: secret }
          : { type: "totp", totp_secret: secret, name },
      );
    } else if (input.type === "email") {
      if (typeof input.email !== "string") return undefined;
      const email = input.email.trim();
      methods.push(name === undefined ? { type: "email", email } : { type: "email", email, name });
    } else {
      return undefined;
    }
  }
  return methods;
}

/**
 * Whether two method lists are the same, field by field, fields in the same order (so their JSON is too) (what pass 1 checks before it lets pass
 * 2 use {@link fastMethods}).
 *
 * @example
 * sameMethods([{ type: "totp", totp_secret: "A" }], [{ type: "totp", totp_secret: "A" }]); // true
 */
export function sameMethods(a: readonly AuthenticationMethod[], b: readonly AuthenticationMethod[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as unknown as Record<string, unknown>;
    const y = b[i] as unknown as Record<string, unknown>;
    const keys = Object.keys(x);
    const others = Object.keys(y);
    if (keys.length !== others.length) return false;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      if (key !== others[k] || x[key] !== y[key]) return false;
    }
  }
  return true;
}

/** A string field trimmed; undefined when absent; null when it is not a string (no shortcut then). */
function optionalTrimmed(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value.trim() : null;
}
