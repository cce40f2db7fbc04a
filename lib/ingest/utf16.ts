import { Utf16Error } from "./errors.js";

/**
 * Tells whether the first bytes of a file are UTF-16 text: a UTF-16 byte-order mark (`FF FE`, `FE FF`), or,
 * without one, text where every other byte is zero (ASCII letters in UTF-16, as CSV headers and JSON keys are).
 * UTF-8 text never holds a zero byte, so the test cannot mistake a UTF-8 file.
 *
 * @returns the error describing it (not thrown), or undefined for anything else.
 * @example
 * detectUtf16(Buffer.from("user_id,type\n", "utf16le"))?.message; // "the file is UTF-16LE (without a byte-order mark), ..."
 */
export function detectUtf16(bytes: Uint8Array): Utf16Error | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new Utf16Error("UTF-16LE", true);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new Utf16Error("UTF-16BE", true);
  const pairs = Math.floor(Math.min(bytes.length, 512) / 2);
  if (pairs < 2) return undefined;
  let zeroHigh = 0;
  let zeroLow = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i + 1] === 0 && bytes[2 * i] !== 0) zeroHigh++;
    if (bytes[2 * i] === 0 && bytes[2 * i + 1] !== 0) zeroLow++;
  }
  // Most pairs: a few non-ASCII characters (an accented name) do not have a zero byte.
  if (zeroHigh >= pairs * 0.8) return new Utf16Error("UTF-16LE", false);
  if (zeroLow >= pairs * 0.8) return new Utf16Error("UTF-16BE", false);
  return undefined;
}
