import type { ConfigurationOutcome, PermanentOutcome, TransientOutcome } from "../auth0/PutOutcome.js";
import type { DeadLetterReason } from "../messages/DeadLetter.js";
import type { UserFactorsMessage } from "../messages/UserFactorsMessage.js";

/** Longest `message` attribute recorded in the DLQ. */
const MAX_MESSAGE_LENGTH = 500;

/**
 * Removes every TOTP secret of the message from a text that goes into the DLQ (an Auth0 validation message
 * could echo a value; a TOTP secret must never be stored outside the message body itself).
 */
export function withoutSecrets(text: string, message: UserFactorsMessage): string {
  let clean = text;
  for (const method of message.methods) {
    if (method.type === "totp" && method.totp_secret.length > 0) {
      clean = clean.split(method.totp_secret).join("[redacted]");
    }
  }
  return clean;
}

/**
 * The reason recorded with a user given up on after an Auth0 outcome; its message without TOTP secrets, then
 * shortened to 500 characters.
 *
 * @example
 * reasonFromOutcome(outcome, message, 1, new Date());
 * // { status: "404", errorCode: "inexistent_user", message: "The user does not exist.", attempts: 1, ... }
 */
export function reasonFromOutcome(
  outcome: PermanentOutcome | TransientOutcome | ConfigurationOutcome,
  message: UserFactorsMessage,
  attempts: number,
  failedAt: Date,
): DeadLetterReason {
  return {
    status: String(outcome.status),
    ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
    // Secrets out first, then shortened: the other way round, a secret cut in two would stay half recorded.
    message: withoutSecrets(outcome.message, message).slice(0, MAX_MESSAGE_LENGTH),
    attempts,
    failedAt: failedAt.toISOString(),
    sourceKey: message.source.key,
    sourceLine: message.line,
    userId: message.userId,
  };
}
