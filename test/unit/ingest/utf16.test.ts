import { describe, expect, it } from "vitest";
import { detectUtf16 } from "../../../lib/ingest/utf16.js";

const HEADER = "user_id,type,totp_secret\nauth0|1,totp,JBSWY3DPEHPK3PXP\n";

describe("detectUtf16", () => {
  it.each([
    [
      "UTF-16LE with a byte-order mark",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEADER, "utf16le")]),
      "UTF-16LE",
      true,
    ],
    [
      "UTF-16BE with a byte-order mark",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(HEADER, "utf16le").swap16()]),
      "UTF-16BE",
      true,
    ],
    ["UTF-16LE without one", Buffer.from(HEADER, "utf16le"), "UTF-16LE", false],
    ["UTF-16BE without one", Buffer.from(HEADER, "utf16le").swap16(), "UTF-16BE", false],
    [
      "UTF-16LE with a few accented names",
      Buffer.from(`${HEADER}auth0|2,totp,JBSWY3DPEHPK3PXP,Zoë Åström\n`, "utf16le"),
      "UTF-16LE",
      false,
    ],
  ])("recognises %s", (_case, bytes, encoding, byteOrderMark) => {
    expect(detectUtf16(bytes)).toMatchObject({ name: "Utf16Error", encoding, byteOrderMark, line: 1 });
  });

  it.each([
    ["UTF-8", Buffer.from(HEADER)],
    ["UTF-8 with a byte-order mark and accents", Buffer.from(`\uFEFF${HEADER}auth0|2,totp,X,Zoë\n`)],
    ["a single byte", Buffer.from("u")],
    ["nothing", Buffer.alloc(0)],
  ])("leaves %s alone", (_case, bytes) => {
    expect(detectUtf16(bytes)).toBeUndefined();
  });
});
