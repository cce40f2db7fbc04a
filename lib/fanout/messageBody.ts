import {
  type MessageSource,
  type OutgoingUser,
  toUserFactorsMessage,
} from "../messages/UserFactorsMessage.js";

/**
 * The JSON body of a user's message, safe for SQS. SQS refuses bodies with characters outside #x9 #xA #xD
 * #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF; JSON.stringify already escapes control characters and lone
 * surrogates, which leaves the noncharacters U+FFFE and U+FFFF (valid UTF-8, so they can come from a file):
 * escaping them keeps the JSON equal and lets the user through.
 *
 * @example
 * toMessageBody(user, source) // JSON.stringify(toUserFactorsMessage(user, source)), U+FFFE/U+FFFF escaped
 */
export function toMessageBody(user: OutgoingUser, source: MessageSource): string {
  return JSON.stringify(toUserFactorsMessage(user, source)).replace(
    /[\uFFFE\uFFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}
