/** The body items of `PUT /api/v2/users/{id}/authentication-methods`, and what the tenant stores. */

/** One item of the PUT body, as the seed contract defines it. */
export interface AuthenticationMethodInput {
  type: "phone" | "email" | "totp";
  preferred_authentication_method?: "voice" | "sms";
  name?: string;
  phone_number?: string;
  email?: string;
  totp_secret?: string;
}

/** A method as the tenant stores and returns it: the input plus a generated `id` and `created_at`. */
export interface StoredAuthenticationMethod extends AuthenticationMethodInput {
  /** e.g. `phone|dev_3VhTk2Yx8LqPz9Wm`. */
  id: string;
  /** ISO 8601. */
  created_at: string;
}

/** The outcome of {@link validateAuthenticationMethods}: the methods, or Auth0's 400 message. */
export type MethodsValidation =
  | { valid: true; methods: AuthenticationMethodInput[] }
  | { valid: false; message: string };

const TYPES = ["phone", "email", "totp"] as const;
const PREFERRED = ["voice", "sms"] as const;
/** Base32 (RFC 4648), either case, optional padding. */
const BASE32 = "^[A-Za-z2-7]+=*$";
const BASE32_PATTERN = new RegExp(BASE32);

/** Fields each type allows, and the one it requires. */
const FIELDS: Record<AuthenticationMethodInput["type"], { allowed: readonly string[]; required: string }> = {
  phone: {
    allowed: ["type", "name", "phone_number", "preferred_authentication_method"],
    required: "phone_number",
  },
  email: { allowed: ["type", "name", "email"], required: "email" },
  totp: { allowed: ["type", "name", "totp_secret"], required: "totp_secret" },
};

/** Length limits in characters (JSON Schema counts code points). */
const LENGTHS: Record<string, { min: number; max?: number }> = {
  name: { min: 1, max: 20 },
  phone_number: { min: 2, max: 30 },
  email: { min: 1 },
  totp_secret: { min: 1 },
};

class PayloadError extends Error {
  override readonly name = "PayloadError";
  constructor(
    readonly problem: string,
    readonly path?: string,
  ) {
    super(problem);
  }
}

/** JSON Schema's name for a value's type, as validators print it. */
function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function checkString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new PayloadError(`Expected type string but found type ${jsonType(value)}`, path);
  }
  return value;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  const text = checkString(value, path);
  if (!(allowed as readonly string[]).includes(text)) {
    throw new PayloadError(`No enum match for: ${JSON.stringify(text)}`, path);
  }
  return text as T;
}

function checkItem(item: unknown, index: number): AuthenticationMethodInput {
  const at = `[${index}]`;
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new PayloadError(`Expected type object but found type ${jsonType(item)}`, at);
  }
  const record = item as Record<string, unknown>;
  if (!("type" in record)) throw new PayloadError("Missing required property: type", at);
  const type = checkEnum(record.type, TYPES, `${at}.type`);
  const { allowed, required } = FIELDS[type];
  const extra = Object.keys(record).filter((key) => !allowed.includes(key));
  if (extra.length > 0) throw new PayloadError(`Additional properties not allowed: ${extra.join(",")}`, at);
  if (!(required in record)) throw new PayloadError(`Missing required property: ${required}`, at);

  const method: AuthenticationMethodInput = { type };
  for (const key of allowed) {
    if (key === "type" || !(key in record)) continue;
    const path = `${at}.${key}`;
    if (key === "preferred_authentication_method") {
      method.preferred_authentication_method = checkEnum(record[key], PREFERRED, path);
      continue;
    }
    const text = checkString(record[key], path);
    const limits = LENGTHS[key];
    const length = [...text].length;
    if (limits !== undefined && length < limits.min) {
      throw new PayloadError(`String is too short (${length} chars), minimum ${limits.min}`, path);
    }
    if (limits?.max !== undefined && length > limits.max) {
      throw new PayloadError(`String is too long (${length} chars), maximum ${limits.max}`, path);
    }
    // The message names the pattern, never the value: it may be a TOTP secret.
    if (key === "totp_secret" && !BASE32_PATTERN.test(text)) {
      throw new PayloadError(`String does not match pattern: ${BASE32}`, path);
    }
    (method as unknown as Record<string, string>)[key] = text;
  }
  return method;
}

/**
 * Validates a PUT body against the seed contract, reporting the first problem the way Auth0 words it
 * (`Payload validation error: '<problem>' on property <path>.`). An empty array is valid: it clears the user.
 *
 * @example
 * const result = validateAuthenticationMethods(JSON.parse(body));
 * if (!result.valid) respond(400, invalidBody(result.message));
 */
export function validateAuthenticationMethods(body: unknown): MethodsValidation {
  try {
    if (!Array.isArray(body)) throw new PayloadError(`Expected type array but found type ${jsonType(body)}`);
    const methods = body.map(checkItem);
    if (methods.length > 1 && methods.some((method) => method.type === "email")) {
      return {
        valid: false,
        message:
          "The email authentication method is only supported when the user has no other factors available.",
      };
    }
    return { valid: true, methods };
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    const where = error.path === undefined ? "" : ` on property ${error.path}`;
    return { valid: false, message: `Payload validation error: '${error.problem}'${where}.` };
  }
}
