import type { DeadLetterReason } from "../messages/DeadLetter.js";

/**
 * One dead-lettered user as reported to the operator: who, where in the file, and why. Never the methods
 * (they may hold TOTP secrets): the body stays in the DLQ, unchanged, for redrive.
 */
export interface FailedUser {
  /** The SQS message id in the DLQ (unique per message; used to de-duplicate a scan). */
  messageId: string;
  /** The Auth0 user id, or empty when neither the attributes nor the body name one. */
  userId: string;
  /** The input file line where the user starts, when known. */
  line?: number;
  /** The input object key, when known. */
  sourceKey?: string;
  /** Why the user failed, decoded from the message attributes. */
  reason: DeadLetterReason;
}
