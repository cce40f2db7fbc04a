import { en } from "zod/locales";
import * as z from "zod/mini";
import { ConfigurationError } from "./errors.js";

// zod/mini (the flavour apply's message schema uses, ~30 KiB bundled) registers no error messages of its own:
// register the English ones, as zod classic does, so a bad variable is explained in words. This module is
// imported by the functions only, so the CLI and the tests do not get this side effect.
z.config(en());

/**
 * An optional variable: an empty one (as a stack may set for "not configured") counts as unset, so it is
 * left out, or its default applies.
 *
 * @example
 * z.object({ LOG_LEVEL: optional(z._default(z.enum(LOG_LEVELS), "info")), PREFIX: optional(z.optional(z.string())) });
 */
export function optional<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.transform((value: unknown) => (value === "" ? undefined : value)),
    schema,
  );
}

/**
 * Checks an environment against a zod/mini object schema, failing on the first bad variable.
 *
 * @throws {@link ConfigurationError} naming it: "is required" when unset or empty, else the check's own message
 *   (a schema's `error` option), or "is invalid (zod's message)".
 * @example
 * const env = readEnvironment(z.object({ QUEUE_URL: z.url() }), process.env);
 */
export function readEnvironment<T extends z.ZodMiniObject>(
  schema: T,
  environment: NodeJS.ProcessEnv,
): z.infer<T> {
  const result = z.safeParse(schema, environment);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? "environment");
  const value = environment[variable];
  if (value === undefined || value === "") throw new ConfigurationError(variable, "is required");
  const message = issue?.message ?? "invalid";
  throw new ConfigurationError(variable, message.startsWith("must ") ? message : `is invalid (${message})`);
}
