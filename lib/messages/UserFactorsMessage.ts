import * as z from "zod/mini";
import type { AuthenticationMethod, UserFactors } from "../factors/types.js";
import type { SyncStamp } from "../sync/types.js";

/** The version of the message body written by ingest and read by apply. Bumped on any incompatible change. */
export const MESSAGE_FORMAT_VERSION = 1;

/** Where a message came from: the S3 object it was read from, and the job of that upload. */
export interface MessageSource {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  /** The job of the upload (`lib/jobs`): apply records the user's outcome in it. Absent in older messages. */
  jobId?: string;
}

/** The body of one work-queue message: one user and the complete set of methods to PUT. */
export interface UserFactorsMessage {
  version: typeof MESSAGE_FORMAT_VERSION;
  source: MessageSource;
  line: number;
  userId: string;
  methods: AuthenticationMethod[];
  /**
   * The sync state's stamp (issue 11): apply claims the user for `order` before the PUT and, after a 2xx, records
   * `hmac` as the user's state in `tenant`. Absent when ingest ran without a sync state.
   */
  sync?: SyncStamp;
}

/** A valid user as ingest sends it: its methods, and the sync stamp when the sync state is in use. */
export type OutgoingUser = UserFactors & { sync?: SyncStamp };

/** Thrown when a message body is not a {@link UserFactorsMessage}; such a message is dead-lettered as `malformed`. */
export class MalformedMessageError extends Error {
  public override readonly name = "MalformedMessageError";

  public constructor(public readonly reason: string) {
    super(`malformed message: ${reason}`);
  }
}

// zod/mini, not classic: this schema and apply's environment are all the zod apply needs, and mini's functions
// bundle to ~30 KiB where classic's methods keep ~90 KiB (`import { z } from "zod"` even kept every locale). The
// checks are zod's same core checks, so the issue codes and paths, and the reasons built from them, are the same.
const nonEmptyString = () => z.string().check(z.minLength(1));

const methodSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("phone"),
    phone_number: z.string().check(z.minLength(2), z.maxLength(30)),
    preferred_authentication_method: z.optional(z.enum(["sms", "voice"])),
    name: z.optional(nonEmptyString()),
  }),
  z.strictObject({ type: z.literal("email"), email: nonEmptyString(), name: z.optional(nonEmptyString()) }),
  z.strictObject({
    type: z.literal("totp"),
    totp_secret: z.string().check(z.regex(/^[A-Z2-7]+$/)),
    name: z.optional(nonEmptyString()),
  }),
]);

const messageSchema = z.strictObject({
  version: z.literal(MESSAGE_FORMAT_VERSION),
  source: z.strictObject({
    bucket: nonEmptyString(),
    key: nonEmptyString(),
    versionId: z.optional(z.string()),
    etag: z.optional(z.string()),
    jobId: z.optional(nonEmptyString()),
  }),
  line: z.number().check(z.int(), z.positive()),
  userId: nonEmptyString(),
  methods: z.array(methodSchema),
  sync: z.optional(
    z.strictObject({ tenant: nonEmptyString(), hmac: nonEmptyString(), order: nonEmptyString() }),
  ),
});

/**
 * Builds the message body for one valid user.
 *
 * @example
 * const body = JSON.stringify(toUserFactorsMessage(user, { bucket: "b", key: "incoming/a.csv" }));
 */
export function toUserFactorsMessage(user: OutgoingUser, source: MessageSource): UserFactorsMessage {
  return {
    version: MESSAGE_FORMAT_VERSION,
    source,
    line: user.line,
    userId: user.userId,
    methods: user.methods,
    ...(user.sync !== undefined ? { sync: user.sync } : {}),
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
