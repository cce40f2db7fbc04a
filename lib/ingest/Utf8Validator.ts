import { isUtf8 } from "node:buffer";

/**
 * Checks a byte stream for invalid UTF-8 chunk by chunk (natively, so a clean file costs next to nothing),
 * holding back a character split across two chunks until the next one arrives.
 *
 * @example
 * const utf8 = new Utf8Validator();
 * for await (const chunk of input) if (!utf8.write(chunk)) sawInvalid = true;
 * if (!utf8.end()) sawInvalid = true;
 */
export class Utf8Validator {
  private carry: Buffer | undefined;

  /** Whether the bytes so far (up to a possibly incomplete last character) are valid UTF-8. */
  public write(chunk: Buffer): boolean {
    const bytes = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    const cut = incompleteTailStart(bytes);
    this.carry = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined;
    return isUtf8(bytes.subarray(0, cut));
  }

  /** Whether the stream did not end in the middle of a character. */
  public end(): boolean {
    const clean = this.carry === undefined;
    this.carry = undefined;
    return clean;
  }
}

/** Where a multi-byte character that the chunk does not finish starts (the chunk's length when there is none). */
function incompleteTailStart(bytes: Buffer): number {
  const stop = Math.max(0, bytes.length - 4);
  for (let i = bytes.length - 1; i >= stop; i--) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + need > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}
