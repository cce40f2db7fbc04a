import type { CountryCode } from "libphonenumber-js";
import { isSupportedCountry } from "libphonenumber-js/max";
import { InvalidCountryError } from "./errors.js";

/**
 * Checks a default country given by an operator (`--default-country`, `DEFAULT_COUNTRY`): an ISO 3166-1
 * alpha-2 code the phone-number library knows, any case.
 *
 * @throws {@link InvalidCountryError} otherwise.
 * @example
 * const defaultCountry = parseCountryCode(process.env.DEFAULT_COUNTRY ?? "gb"); // "GB"
 */
export function parseCountryCode(value: string): CountryCode {
  const code = value.trim().toUpperCase();
  if (!isSupportedCountry(code)) throw new InvalidCountryError(value);
  return code;
}
