import type { CountryCode } from "libphonenumber-js";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** The outcome of normalising one phone number: its E.164 form, or a reason that quotes the number as written. */
export type PhoneNumberResult = { ok: true; e164: string } | { ok: false; reason: string };

/** What design.md lets us remove before checking: spaces, dashes, dots and parentheses. */
const SEPARATORS = /[\s\-.()]/g;
const INTERNATIONAL = /^\+\d+$/;

/**
 * Normalises a phone number to E.164 (`+` and 8 to 15 digits) with libphonenumber-js (max metadata, so a
 * number must be valid for its country, not just of a plausible length). A national number is accepted only
 * with a default country.
 *
 * @example
 * normalisePhoneNumber("+1 (415) 555-2671"); // { ok: true, e164: "+14155552671" }
 * normalisePhoneNumber("07911 123456", "GB"); // { ok: true, e164: "+447911123456" }
 */
export function normalisePhoneNumber(raw: string, defaultCountry?: CountryCode): PhoneNumberResult {
  const compact = raw.replace(SEPARATORS, "");
  const quoted = `phone_number '${raw}'`;
  if (compact.startsWith("+")) {
    if (!INTERNATIONAL.test(compact))
      return { ok: false, reason: `${quoted} is not E.164 ('+' and digits only)` };
    const digits = compact.length - 1;
    if (digits < 8 || digits > 15) {
      return { ok: false, reason: `${quoted} is not E.164: it has ${digits} digits, E.164 allows 8 to 15` };
    }
    const parsed = parsePhoneNumberFromString(compact, { extract: false });
    if (parsed === undefined || !parsed.isValid()) {
      return {
        ok: false,
        reason: `${quoted} is not a valid phone number (no such number in its country's plan)`,
      };
    }
    return { ok: true, e164: parsed.number };
  }
  if (defaultCountry === undefined) {
    return { ok: false, reason: `${quoted} is not E.164 (add the country code, or set --default-country)` };
  }
  const parsed = parsePhoneNumberFromString(compact, { defaultCountry, extract: false });
  if (parsed === undefined || !parsed.isValid()) {
    return { ok: false, reason: `${quoted} is neither E.164 nor a valid ${defaultCountry} number` };
  }
  const digits = parsed.number.length - 1;
  if (digits < 8 || digits > 15) {
    return { ok: false, reason: `${quoted} is not E.164 even with the country code: ${digits} digits` };
  }
  return { ok: true, e164: parsed.number };
}
