/**
 * Decodes an S3 event's object key: URL-encoded, with `+` for a space (and `%2B` for a real `+`).
 *
 * @example
 * decodeS3Key("incoming/my+users%2B.csv"); // "incoming/my users+.csv"
 */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replaceAll("+", " "));
}
