import type { CountryCode } from "libphonenumber-js";
import type { AuthenticationMethod } from "../factors/types.js";
import { createMethodSchema } from "./methodSchema.js";
import { normalisePhoneNumber, type PhoneNumberResult } from "./phoneNumber.js";
import type { FileFormat, PhoneCheck, ReadUser, UserDraft } from "./types.js";

/** Options of {@link createUserValidator}. */
export interface UserValidatorOptions {
  /** How parts of a user are named in messages: `line 15` (csv) or `authentication_methods[1]` (jsonl). */
  format: FileFormat;
  /** Accept an empty method set. @default false */
  allowClear?: boolean;
  /** Country for national phone numbers. @default none */
  defaultCountry?: CountryCode;
  /** How phone numbers are checked. @default "strict" */
  phoneCheck?: PhoneCheck;
}

/**
 * Checks one place of a user read from a file (its CSV rows, or its JSONL line), on its own: whether the user
 * is in other places too is for the reader to say. `phones` holds phone numbers already normalised elsewhere
 * (a worker), keyed by the trimmed value.
 */
export type UserValidator = (draft: UserDraft, phones?: ReadonlyMap<string, PhoneNumberResult>) => ReadUser;

const EMPTY_SET =
  "the method set is empty, which would delete all of the user's factors (allow it with --allow-clear or the object metadata allow-clear: true)";

/**
 * Builds the per-user check of design.md: every method through the zod schema, then the rules about the
 * set as a whole (email alone, no duplicates, no empty set unless allowed). All reasons are collected.
 *
 * @example
 * const validate = createUserValidator({ format: "csv", defaultCountry: "US" });
 * const result = validate(draft); // { kind: "valid", user } or { kind: "rejected", user }
 */
export function createUserValidator(options: UserValidatorOptions): UserValidator {
  const allowClear = options.allowClear ?? false;
  const { defaultCountry } = options;
  const phoneCheck = options.phoneCheck ?? "strict";
  const name =
    options.format === "csv" ? (at: number) => `line ${at}` : (at: number) => `authentication_methods[${at}]`;
  let known: ReadonlyMap<string, PhoneNumberResult> | undefined;
  const schema = createMethodSchema(
    (raw) => known?.get(raw) ?? normalisePhoneNumber(raw, defaultCountry, phoneCheck),
  );

  return (draft, phones) => {
    known = phones;
    const errors: string[] = [];
    const located = draft.parts > 1;
    for (const error of draft.errors) {
      errors.push(located && error.at >= 0 ? `${name(error.at)}: ${error.message}` : error.message);
    }
    const methods: AuthenticationMethod[] = [];
    // Keys of the valid methods so far, to find duplicates: a user has a handful, a list beats a Map.
    const keys: string[] = [];
    const places: number[] = [];
    let emails = 0;
    for (const method of draft.methods) {
      if (method.input.type === "email") emails++;
      const result = schema.safeParse(method.input);
      if (!result.success) {
        for (const issue of result.error.issues) {
          errors.push(located ? `${name(method.at)}: ${issue.message}` : issue.message);
        }
        continue;
      }
      const value = result.data;
      methods.push(value);
      if (draft.methods.length === 1) continue;
      const key =
        value.type === "phone"
          ? `phone ${value.phone_number}`
          : value.type === "email"
            ? `email ${value.email.toLowerCase()}`
            : `totp ${value.totp_secret}`;
      const first = keys.indexOf(key);
      if (first === -1) {
        keys.push(key);
        places.push(method.at);
      } else {
        // A phone number or email may be quoted (design.md), a TOTP secret never.
        const shown =
          value.type === "phone"
            ? ` ${value.phone_number}`
            : value.type === "email"
              ? ` '${value.email}'`
              : "";
        errors.push(
          `${name(method.at)}: the same ${value.type} method${shown} as ${name(places[first] as number)}`,
        );
      }
    }
    if (emails > 0 && draft.methods.length > 1) {
      errors.push(
        "email cannot be combined with other methods (Auth0 accepts email only as a user's only factor)",
      );
    }
    if (draft.clear && draft.methods.length > 0) {
      errors.push("a row with only user_id (an empty method set) cannot be combined with method rows");
    }
    if (draft.methods.length === 0 && draft.errors.length === 0 && !allowClear) errors.push(EMPTY_SET);
    if (errors.length > 0)
      return { kind: "rejected", user: { line: draft.line, userId: draft.userId, errors } };
    return { kind: "valid", user: { userId: draft.userId, line: draft.line, methods } };
  };
}
