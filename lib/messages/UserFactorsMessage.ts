import { z } from "zod";
import type { AuthenticationMethod, UserFactors } from "../factors/types.js";

/** The version of the message body written by ingest and read by apply. Bumped on any incompatible change. */
export const MESSAGE_FORMAT_VERSION = 1;

/** Where a message came from: the S3 object it was read from. */
export interface MessageSource {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
}

/** The body of one work-queue message: one user and the complete set of methods to PUT. */
export interface UserFactorsMessage {
  version: typeof MESSAGE_FORMAT_VERSION;
  source: MessageSource;
  line: number;
  userId: string;
  methods: AuthenticationMethod[];
}

/** Thrown when a message body is not a {@link UserFactorsMessage}; such a message is dead-lettered as `malformed`. */
export class MalformedMessageError extends Error {
  public override readonly name = "MalformedMessageError";

  public constructor(public readonly reason: string) {
    super(`malformed message: ${reason}`);
  }
}

const methodSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("phone"),
    phone_number: z.string().min(2).max(30),
    preferred_authentication_method: z.enum(["sms", "voice"]).optional(),
    name: z.string().min(1).optional(),
  }),
  z.strictObject({ type: z.literal("email"), email: z.string().min(1), name: z.string().min(1).optional() }),
  z.strictObject({
    type: z.literal("totp"),
    totp_secret: z.string().regex(/^[A-Z2-7]+$/),
    name: z.string().min(1).optional(),
  }),
]);

const messageSchema = z.strictObject({
  version: z.literal(MESSAGE_FORMAT_VERSION),
  source: z.strictObject({
    bucket: z.string().min(1),
    key: z.string().min(1),
    versionId: z.string().optional(),
    etag: z.string().optional(),
  }),
  line: z.number().int().positive(),
  userId: z.string().min(1),
  methods: z.array(methodSchema),
});

/**
 * Builds the message body for one valid user.
 *
 * @example
 * const body = JSON.stringify(toUserFactorsMessage(user, { bucket: "b", key: "incoming/a.csv" }));
 */
export function toUserFactorsMessage(user: UserFactors, source: MessageSource): UserFactorsMessage {
  return {
    version: MESSAGE_FORMAT_VERSION,
    source,
    line: user.line,
    userId: user.userId,
    methods: user.methods,
  };
}

/**
 * Parses and checks a work-queue message body. The reason in the error names the problem (never a value),
 * so it can be recorded safely.
 *
 * @throws {@link MalformedMessageError} when the body is not JSON or not of this format.
 * @example
 * const message = parseUserFactorsMessage(record.body);
 */
export function parseUserFactorsMessage(body: string): UserFactorsMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError("body is not JSON");
  }
  const result = messageSchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? first.path.join(".") : "body";
    throw new MalformedMessageError(`${where}: ${first?.code ?? "invalid"}`);
  }
  return result.data as UserFactorsMessage;
}
