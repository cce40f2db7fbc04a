// A namespace import lets esbuild drop what is unused; `import { z }` kept all of zod, every locale included.
import * as z from "zod";
import type { AuthenticationMethod, AuthenticationMethodType } from "../factors/types.js";
import { normalisePhoneNumber, type PhoneNumberResult } from "./phoneNumber.js";
import { normaliseTotpSecret } from "./totpSecret.js";

/** Every field a method may have, across all types (the CSV columns besides `user_id`). */
export const METHOD_FIELDS = [
  "type",
  "phone_number",
  "preferred_authentication_method",
  "email",
  "totp_secret",
  "name",
] as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(METHOD_FIELDS);

/** Auth0's limit on a method's name, in characters (code points). */
export const MAX_NAME_LENGTH = 20;

/** Loose on purpose: Auth0 only asks for one character; this catches a column mix-up, not every bad address. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function requiredString(field: string, type: AuthenticationMethodType) {
  return z.string({
    error: (issue) =>
      issue.input === undefined
        ? `${field} is required for ${article(type)} method`
        : `${field} must be a string`,
  });
}

/**
 * A value of a keyword field (`type`, `preferred_authentication_method`) as a message quotes it: in quotes
 * when it is short, as keywords are; a longer one is described by its length, as a shifted column could put a
 * TOTP secret there.
 */
function quoteKeyword(value: unknown): string {
  if (typeof value !== "string") return `(a JSON ${value === null ? "null" : typeof value})`;
  const text = value.trim();
  return text.length <= MAX_QUOTED_KEYWORD && !/[\r\n]/.test(text)
    ? `'${text}'`
    : `(a value of ${text.length} characters)`;
}

/** The longest keyword a message quotes: `voice` and `totp` are far shorter, a TOTP secret far longer. */
const MAX_QUOTED_KEYWORD = 12;

function article(type: AuthenticationMethodType): string {
  return type === "email" ? "an email" : `a ${type}`;
}

/** A name as a message quotes it: its first 40 characters (design.md allows quoting names). */
function quotedName(name: string): string {
  const characters = [...name];
  return characters.length > 40 ? `${characters.slice(0, 40).join("")}…` : name;
}

function nameSchema() {
  return z
    .string({ error: "name must be a string" })
    .transform((value, ctx) => {
      const name = value.trim();
      // Code points, not UTF-16 units or bytes: an emoji is one character for Auth0.
      let length = 0;
      for (const _ of name) length++;
      if (length === 0) ctx.addIssue({ code: "custom", message: "name is empty" });
      else if (length > MAX_NAME_LENGTH) {
        ctx.addIssue({
          code: "custom",
          message: `name '${quotedName(name)}' is ${length} characters long, at most ${MAX_NAME_LENGTH} are allowed`,
        });
      }
      return name;
    })
    .optional();
}

function describeForeignFields(keys: readonly PropertyKey[], type: AuthenticationMethodType): string {
  return keys
    .map((key) => {
      const field = String(key);
      return KNOWN_FIELDS.has(field)
        ? `${field} does not belong to ${article(type)} method`
        : `unknown field ${JSON.stringify(field.slice(0, 40))}`;
    })
    .join("; ");
}

function strictMethod<T extends z.core.$ZodLooseShape>(type: AuthenticationMethodType, shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? describeForeignFields(issue.keys, type) : undefined,
  });
}

/**
 * The zod schema of one authentication method as read from a file (type already lower-cased): it checks the
 * fields against the type and normalises them (TOTP secret, phone number to E.164 through `normalisePhone`,
 * trimmed strings), with readable messages that never contain a TOTP secret.
 *
 * @example
 * const schema = createMethodSchema((raw) => normalisePhoneNumber(raw, "GB"));
 * schema.safeParse({ type: "phone", phone_number: "07911 123456" }); // data: { type: "phone", phone_number: "+447911123456" }
 */
export function createMethodSchema(
  normalisePhone: (raw: string) => PhoneNumberResult = (raw) => normalisePhoneNumber(raw),
) {
  const phone = strictMethod("phone", {
    type: z.literal("phone"),
    phone_number: requiredString("phone_number", "phone").transform((value, ctx) => {
      const result = normalisePhone(value.trim());
      if (result.ok) return result.e164;
      ctx.addIssue({ code: "custom", message: result.reason });
      return z.NEVER;
    }),
    preferred_authentication_method: z
      .string({ error: "preferred_authentication_method must be a string" })
      .transform((value, ctx) => {
        const preferred = value.trim().toLowerCase();
        if (preferred === "sms" || preferred === "voice") return preferred;
        ctx.addIssue({
          code: "custom",
          message: `preferred_authentication_method ${quoteKeyword(value)} is not sms or voice`,
        });
        return z.NEVER;
      })
      .optional(),
    name: nameSchema(),
  });
  const email = strictMethod("email", {
    type: z.literal("email"),
    email: requiredString("email", "email").transform((value, ctx) => {
      const address = value.trim();
      if (address === "") ctx.addIssue({ code: "custom", message: "email is empty" });
      else if (!EMAIL.test(address)) {
        ctx.addIssue({ code: "custom", message: `email '${address}' is not an email address` });
      }
      return address;
    }),
    name: nameSchema(),
  });
  const totp = strictMethod("totp", {
    type: z.literal("totp"),
    totp_secret: requiredString("totp_secret", "totp").transform((value, ctx) => {
      const result = normaliseTotpSecret(value);
      if (result.ok) return result.secret;
      ctx.addIssue({ code: "custom", message: result.reason });
      return z.NEVER;
    }),
    name: nameSchema(),
  });
  return z.discriminatedUnion("type", [phone, email, totp], {
    error: (issue) => {
      if (issue.code !== "invalid_union") return "a method must be an object";
      // zod reports the whole method as the input of a failed discriminator.
      const input = issue.input;
      const type = typeof input === "object" && input !== null ? (input as { type?: unknown }).type : input;
      return type === undefined || type === ""
        ? "type is missing (phone, email or totp)"
        : `type ${quoteKeyword(type)} is not phone, email or totp`;
    },
  });
}

/** The schema built by {@link createMethodSchema}. */
export type MethodSchema = ReturnType<typeof createMethodSchema>;

/** The type check that the schema's output is exactly a valid {@link AuthenticationMethod}. */
export type MethodSchemaOutput =
  z.output<MethodSchema> extends AuthenticationMethod ? z.output<MethodSchema> : never;
