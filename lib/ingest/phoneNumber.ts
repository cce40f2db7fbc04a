import type { CountryCode } from "libphonenumber-js";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { PhoneCheck } from "./types.js";

/** The outcome of normalising one phone number: its E.164 form, or a reason that quotes the number as written. */
export type PhoneNumberResult = { ok: true; e164: string } | { ok: false; reason: string };

/** What design.md lets us remove before checking: spaces, dashes, dots and parentheses. */
const SEPARATORS = /[\s\-.()]/g;
const INTERNATIONAL = /^\+\d+$/;
/** How to accept a number the bundled metadata does not know (a new range, say). */
const ACCEPT_HINT =
  "if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164";

/**
 * Removes what design.md lets us remove from a phone number (spaces, dashes, dots, parentheses).
 *
 * @example
 * compactPhoneNumber("+1 (415) 555-2671"); // "+14155552671"
 */
export function compactPhoneNumber(raw: string): string {
  return raw.replace(SEPARATORS, "");
}

/**
 * Normalises a phone number to E.164 (`+` and 8 to 15 digits). With `check` `strict` (the default) the number
 * must also be valid for its country (libphonenumber-js, max metadata); with `e164`, Auth0's own rule is the
 * only one, and a number already in E.164 form is taken as it is, without the library. A national number is
 * accepted only with a default country (converted by the library in both modes).
 *
 * @example
 * normalisePhoneNumber("+1 (415) 555-2671"); // { ok: true, e164: "+14155552671" }
 * normalisePhoneNumber("07911 123456", "GB"); // { ok: true, e164: "+447911123456" }
 * normalisePhoneNumber("+15555551234", undefined, "e164"); // { ok: true, e164: "+15555551234" }
 */
export function normalisePhoneNumber(
  raw: string,
  defaultCountry?: CountryCode,
  check: PhoneCheck = "strict",
): PhoneNumberResult {
  const compact = compactPhoneNumber(raw);
  const quoted = `phone_number '${raw}'`;
  if (compact.startsWith("+")) {
    if (!INTERNATIONAL.test(compact))
      return { ok: false, reason: `${quoted} is not E.164 ('+' and digits only)` };
    const digits = compact.length - 1;
    if (digits < 8 || digits > 15) {
      return { ok: false, reason: `${quoted} is not E.164: it has ${digits} digits, E.164 allows 8 to 15` };
    }
    if (check === "e164") return { ok: true, e164: compact };
    const parsed = parsePhoneNumberFromString(compact, { extract: false });
    if (parsed === undefined || !parsed.isValid()) {
      return {
        ok: false,
        reason: `${quoted} is not a valid phone number (no such number in its country's plan; ${ACCEPT_HINT})`,
      };
    }
    return { ok: true, e164: parsed.number };
  }
  if (defaultCountry === undefined) {
    return { ok: false, reason: `${quoted} is not E.164 (add the country code, or set --default-country)` };
  }
  const parsed = parsePhoneNumberFromString(compact, { defaultCountry, extract: false });
  if (parsed === undefined || (check === "strict" && !parsed.isValid())) {
    return {
      ok: false,
      reason:
        check === "strict"
          ? `${quoted} is neither E.164 nor a valid ${defaultCountry} number (${ACCEPT_HINT})`
          : `${quoted} is neither E.164 nor a ${defaultCountry} number`,
    };
  }
  const digits = parsed.number.length - 1;
  if (!INTERNATIONAL.test(parsed.number) || digits < 8 || digits > 15) {
    return { ok: false, reason: `${quoted} is not E.164 even with the country code: ${digits} digits` };
  }
  return { ok: true, e164: parsed.number };
}
