import { InvalidPhoneCheckError } from "./errors.js";
import type { PhoneCheck } from "./types.js";

/**
 * Reads a phone check given by an operator (`--phone-check`, context `phoneCheck`, object metadata
 * `phone-check`): `strict` or `e164`, any case.
 *
 * @throws {@link InvalidPhoneCheckError} otherwise.
 * @example
 * parsePhoneCheck(" E164 "); // "e164"
 */
export function parsePhoneCheck(value: string): PhoneCheck {
  const check = value.trim().toLowerCase();
  if (check !== "strict" && check !== "e164") throw new InvalidPhoneCheckError(value);
  return check;
}
